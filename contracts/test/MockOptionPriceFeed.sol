// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IOptionPriceFeed} from "../interfaces/IOptionPriceFeed.sol";

/// @title MockOptionPriceFeed (tests only)
/// @notice An `IOptionPriceFeed` whose observations and terms anyone can set, for property
/// tests of the margin engine with arbitrary prices. Defaults: current, not settled,
/// covered until expiry, zero spread and reserve, strike 2,000 wad, a call, sequencer up.
contract MockOptionPriceFeed is IOptionPriceFeed {
    struct Obs {
        uint256 price;
        uint256 spot;
        uint256 observedAt;
        uint256 roundId;
        uint256 spotNow;
    }

    struct Terms {
        uint256 strike;
        bool isPut;
        uint256 coveredUntil;
        uint256 spread;
        uint256 unitReserve;
    }

    mapping(uint256 => Obs) internal _obs;
    mapping(uint256 => Terms) internal _terms;
    mapping(uint256 => uint256) public seriesExpiry;
    mapping(uint256 => bool) public notCurrent;
    mapping(uint256 => bool) public settledOf;
    bool public sequencerDown;

    /// @notice Make `isCurrent` answer `current` for the series (default: true).
    function setCurrent(uint256 seriesId, bool current) external {
        notCurrent[seriesId] = !current;
    }

    /// @notice Mark the latest observation as a settlement (or not).
    function setSettled(uint256 seriesId, bool settled) external {
        settledOf[seriesId] = settled;
    }

    function setSequencerDown(bool down) external {
        sequencerDown = down;
    }

    function setTerms(uint256 seriesId, uint256 strike, bool isCall, uint256 coveredUntil, uint256 spread, uint256 unitReserve)
        external
    {
        _terms[seriesId] = Terms(strike, !isCall, coveredUntil, spread, unitReserve);
    }

    /// @notice The oracle's latest spot (default: the observation's spot).
    function setSpotNow(uint256 seriesId, uint256 spotNow) external {
        _obs[seriesId].spotNow = spotNow;
    }

    function isCurrent(uint256 seriesId) public view returns (bool) {
        return _obs[seriesId].roundId != 0 && !notCurrent[seriesId] && !settledOf[seriesId] && !sequencerDown;
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

    function mark(uint256 seriesId) external view returns (Mark memory k) {
        Obs memory o = _obs[seriesId];
        Terms memory t = _terms[seriesId];
        uint256 expiry = seriesExpiry[seriesId];
        k.price = o.price;
        k.spot = o.spot;
        k.observedAt = o.observedAt;
        k.spotNow = o.spotNow != 0 ? o.spotNow : o.spot;
        k.strike = t.strike != 0 ? t.strike : 2_000e18;
        k.expiry = expiry;
        k.coveredUntil = t.coveredUntil != 0 ? t.coveredUntil : expiry;
        k.spread = t.spread;
        k.unitReserve = t.unitReserve;
        k.isCall = !t.isPut;
        k.settled = settledOf[seriesId];
        k.current = isCurrent(seriesId);
        k.sequencerUp = !sequencerDown;
    }

    /// @notice No risk vectors (placeholder so the mock implements the interface).
    function risk(uint256) external pure returns (Risk memory r) {
        return r;
    }
}
