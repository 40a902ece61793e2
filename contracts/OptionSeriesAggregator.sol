// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";
import {IOptionPriceFeed} from "./interfaces/IOptionPriceFeed.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title OptionSeriesAggregator
/// @notice Exposes one series of an `OptionPriceFeed` through `AggregatorV3Interface`, so
/// code that already reads round-based oracles can consume proven option prices unchanged.
/// @dev `answer` is the option price per unit of underlying with 18 decimals; `roundId`,
/// `startedAt` and `updatedAt` are the proof's `observedAt` (not the submission time, so age
/// checks measure the age of the data; round ids increase but are not consecutive). The feed keeps only the latest round: `getRoundData`
/// answers the latest round id and reverts for any other (history is in the feed's
/// `PriceSubmitted` events). Both reads revert before the first accepted price, rather than
/// returning a zero answer a careless consumer could use.
contract OptionSeriesAggregator is AggregatorV3Interface {
    /// @notice The feed read by this adapter.
    IOptionPriceFeed public immutable feed;
    /// @notice The series read by this adapter.
    uint256 public immutable seriesId;

    /// @dev The series has no accepted price yet.
    error NoDataPresent();
    /// @dev The round is not the latest one (the feed stores only the latest round).
    error RoundNotAvailable(uint80 roundId);

    constructor(IOptionPriceFeed feed_, uint256 seriesId_) {
        feed = feed_;
        seriesId = seriesId_;
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return string.concat("zkinfer proven option price, series ", Strings.toString(seriesId));
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (uint80 latest, int256 a, uint256 s, uint256 u, uint80 r) = _latest();
        if (roundId != latest) revert RoundNotAvailable(roundId);
        return (latest, a, s, u, r);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return _latest();
    }

    function _latest() internal view returns (uint80, int256, uint256, uint256, uint80) {
        (uint256 price,, uint256 observedAt, uint256 roundId,) = feed.latestObservation(seriesId);
        if (roundId == 0) revert NoDataPresent();
        // price < 2^96 and roundId = observedAt < 2^40 by construction of the feed.
        return (uint80(roundId), int256(price), observedAt, observedAt, uint80(roundId));
    }
}
