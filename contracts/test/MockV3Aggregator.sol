// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title MockV3Aggregator (tests and dev chains only)
/// @notice A round-based oracle whose answer, `updatedAt` and decimals anyone can set. Round
/// ids are sequential (1, 2, …) and every round is kept: `getRoundData` answers any past
/// round, and reverts for a round that does not exist.
contract MockV3Aggregator is AggregatorV3Interface {
    struct Round {
        int256 answer;
        uint256 updatedAt;
    }

    uint8 public decimals;
    int256 public answer;
    uint256 public updatedAt;
    uint80 public roundId;
    string public description;
    mapping(uint80 => Round) internal _rounds;

    /// @dev The round id is 0 or later than the latest round.
    error NoDataPresent(uint80 roundId);

    constructor(uint8 decimals_, int256 answer_, string memory description_) {
        decimals = decimals_;
        description = description_;
        _set(answer_, block.timestamp);
    }

    /// @notice New round with `answer_`, updated now.
    function updateAnswer(int256 answer_) external {
        _set(answer_, block.timestamp);
    }

    /// @notice New round with `answer_` and an explicit `updatedAt_` (may be stale or future).
    function updateRoundData(int256 answer_, uint256 updatedAt_) external {
        _set(answer_, updatedAt_);
    }

    function setDecimals(uint8 decimals_) external {
        decimals = decimals_;
    }

    function version() external pure returns (uint256) {
        return 0;
    }

    function getRoundData(uint80 roundId_) external view returns (uint80, int256, uint256, uint256, uint80) {
        if (roundId_ == 0 || roundId_ > roundId) revert NoDataPresent(roundId_);
        Round memory r = _rounds[roundId_];
        return (roundId_, r.answer, r.updatedAt, r.updatedAt, roundId_);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId, answer, updatedAt, updatedAt, roundId);
    }

    function _set(int256 answer_, uint256 updatedAt_) internal {
        answer = answer_;
        updatedAt = updatedAt_;
        roundId += 1;
        _rounds[roundId] = Round(answer_, updatedAt_);
    }
}
