// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IOptionPriceFeed} from "../interfaces/IOptionPriceFeed.sol";

/// @title MockOptionPriceFeed (tests only)
/// @notice An `IOptionPriceFeed` whose observations anyone can set, for property tests of
/// the margin engine with arbitrary prices.
contract MockOptionPriceFeed is IOptionPriceFeed {
    struct Obs {
        uint256 price;
        uint256 spot;
        uint256 observedAt;
        uint256 roundId;
    }

    mapping(uint256 => Obs) internal _obs;
    mapping(uint256 => uint256) public seriesExpiry;
    mapping(uint256 => bool) public notCurrent;
    mapping(uint256 => bool) public settledOf;

    /// @notice Make `isCurrent` answer `current` for the series (default: true).
    function setCurrent(uint256 seriesId, bool current) external {
        notCurrent[seriesId] = !current;
    }

    /// @notice Mark the latest observation as a settlement (or not).
    function setSettled(uint256 seriesId, bool settled) external {
        settledOf[seriesId] = settled;
    }

    function isCurrent(uint256 seriesId) external view returns (bool) {
        return _obs[seriesId].roundId != 0 && !notCurrent[seriesId] && !settledOf[seriesId];
    }

    function setExpiry(uint256 seriesId, uint256 expiry) external {
        seriesExpiry[seriesId] = expiry;
    }

    function setObservation(uint256 seriesId, uint256 price, uint256 spot, uint256 observedAt) external {
        Obs storage o = _obs[seriesId];
        o.price = price;
        o.spot = spot;
        o.observedAt = observedAt;
        o.roundId += 1;
    }

    function latestObservation(uint256 seriesId) external view returns (uint256, uint256, uint256, uint256, bool) {
        Obs memory o = _obs[seriesId];
        return (o.price, o.spot, o.observedAt, o.roundId, settledOf[seriesId]);
    }
}
