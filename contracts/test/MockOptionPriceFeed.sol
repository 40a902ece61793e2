// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IOptionPriceFeed} from "../interfaces/IOptionPriceFeed.sol";

/// @title MockOptionPriceFeed (tests only)
/// @notice An `IOptionPriceFeed` whose observations, terms and risk vectors anyone can set, for
/// property tests of the margin engine with arbitrary prices. Defaults: current, not settled,
/// covered until expiry, zero spread and reserve, strike 2,000 wad, a call, sequencer up, no
/// risk vector. Storage is packed (four slots per series, a risk vector in the code of a data
/// contract) so that gas measured against it is dominated by the engine, not the mock.
/// Prices, spots, strikes, spreads and reserves must fit 128 bits, times 40 bits.
contract MockOptionPriceFeed is IOptionPriceFeed {
    struct Packed {
        uint128 price;
        uint128 spot;
        uint40 observedAt;
        uint40 roundId;
        uint40 expiry;
        uint40 coveredUntil;
        bool notCurrent;
        bool settled;
        bool isPut;
        uint128 strike;
        uint128 spotNow;
        uint128 spread;
        uint128 unitReserve;
    }

    mapping(uint256 => Packed) internal _s;
    /// @dev Data contract whose code is `abi.encode(Risk)` (0: no risk vector).
    mapping(uint256 => address) internal _risk;
    bool public sequencerDown;

    error MockValueTooLarge(uint256 value);

    function _u128(uint256 v) internal pure returns (uint128) {
        if (v > type(uint128).max) revert MockValueTooLarge(v);
        return uint128(v);
    }

    function _u40(uint256 v) internal pure returns (uint40) {
        if (v > type(uint40).max) revert MockValueTooLarge(v);
        return uint40(v);
    }

    function notCurrent(uint256 seriesId) external view returns (bool) {
        return _s[seriesId].notCurrent;
    }

    function settledOf(uint256 seriesId) external view returns (bool) {
        return _s[seriesId].settled;
    }

    function seriesExpiry(uint256 seriesId) external view returns (uint256) {
        return _s[seriesId].expiry;
    }

    /// @notice Make `isCurrent` answer `current` for the series (default: true).
    function setCurrent(uint256 seriesId, bool current) external {
        _s[seriesId].notCurrent = !current;
    }

    /// @notice Mark the latest observation as a settlement (or not).
    function setSettled(uint256 seriesId, bool settled) external {
        _s[seriesId].settled = settled;
    }

    function setSequencerDown(bool down) external {
        sequencerDown = down;
    }

    function setTerms(uint256 seriesId, uint256 strike, bool isCall, uint256 coveredUntil, uint256 spread, uint256 unitReserve)
        external
    {
        Packed storage p = _s[seriesId];
        p.strike = _u128(strike);
        p.isPut = !isCall;
        p.coveredUntil = _u40(coveredUntil);
        p.spread = _u128(spread);
        p.unitReserve = _u128(unitReserve);
    }

    /// @notice The oracle's latest spot (default: the observation's spot).
    function setSpotNow(uint256 seriesId, uint256 spotNow) external {
        _s[seriesId].spotNow = _u128(spotNow);
    }

    function isCurrent(uint256 seriesId) public view returns (bool) {
        Packed storage p = _s[seriesId];
        return p.roundId != 0 && !p.notCurrent && !p.settled && !sequencerDown;
    }

    function setExpiry(uint256 seriesId, uint256 expiry) external {
        _s[seriesId].expiry = _u40(expiry);
    }

    function setObservation(uint256 seriesId, uint256 price, uint256 spot, uint256 observedAt) external {
        Packed storage p = _s[seriesId];
        p.price = _u128(price);
        p.spot = _u128(spot);
        p.observedAt = _u40(observedAt);
        p.roundId += 1;
    }

    /// @notice Store `r` as the series' risk vector (`group` 0 removes it). `risk()` reports it
    /// current only while `r.current`, the series' mark is current and `r.observedAt` is the
    /// latest observation's (a new observation makes it stale, as in the feed).
    function setRisk(uint256 seriesId, Risk calldata r) external {
        if (r.group == bytes32(0)) {
            delete _risk[seriesId];
            return;
        }
        bytes memory data = abi.encode(r);
        // Init code: copy the data that follows it into memory and return it as the code.
        bytes memory init = abi.encodePacked(hex"600b80380380915f395ff3", data);
        address a;
        assembly ("memory-safe") {
            a := create(0, add(init, 0x20), mload(init))
        }
        require(a != address(0) && a.code.length == data.length, "MockOptionPriceFeed: data contract");
        _risk[seriesId] = a;
    }

    function risk(uint256 seriesId) external view returns (Risk memory) {
        address a = _risk[seriesId];
        if (a == address(0)) {
            Risk memory none;
            return none;
        }
        Packed storage p = _s[seriesId];
        bool current = isCurrent(seriesId);
        uint256 observedAt = p.observedAt;
        assembly ("memory-safe") {
            let len := extcodesize(a)
            let ptr := mload(0x40)
            extcodecopy(a, ptr, 0, len)
            // Tuple head at ptr + 0x20: observedAt is word 5, current word 6.
            let cur := add(ptr, 0xe0)
            if iszero(and(current, eq(mload(add(ptr, 0xc0)), observedAt))) { mstore(cur, 0) }
            return(ptr, len)
        }
    }

    function latestObservation(uint256 seriesId) external view returns (uint256, uint256, uint256, uint256, bool) {
        Packed memory p = _s[seriesId];
        return (p.price, p.spot, p.observedAt, p.roundId, p.settled);
    }

    /// @notice `mark` and (if `withRisk`) `risk` of every series, as the single reads give them,
    /// in the packed layout of `IOptionPriceFeed.marksAndRisks` (prices exact: unit 0; every
    /// stored scenario is listed, current or not).
    function marksAndRisks(uint256[] calldata ids, bool withRisk) external view returns (uint256[] memory data) {
        uint256 n = ids.length;
        Risk[] memory rs = new Risk[](withRisk ? n : 0);
        uint256 len = 2 + 4 * n;
        for (uint256 i; i < rs.length; ++i) {
            rs[i] = _riskOf(ids[i]);
            len += 4 + rs[i].scenarios.length;
        }
        data = new uint256[](len);
        data[0] = sequencerDown ? 0 : 1;
        uint256 at = 2 + 4 * n;
        for (uint256 i; i < n; ++i) {
            Mark memory k = _mark(ids[i]);
            uint256 b = 2 + 4 * i;
            data[b] = k.price | (k.spot << 128);
            data[b + 1] = k.spotNow;
            data[b + 2] = k.strike | (k.observedAt << 128) | (k.expiry << 168) | (k.coveredUntil << 208)
                | (k.isCall ? uint256(1) << 248 : 0) | (k.settled ? uint256(1) << 249 : 0) | (k.current ? uint256(1) << 250 : 0);
            data[b + 3] = k.spread | (k.unitReserve << 128);
            if (!withRisk) continue;
            Risk memory r = rs[i];
            data[at] = uint40(r.observedAt) | (r.current ? uint256(1) << 40 : 0);
            data[at + 1] = uint256(r.group);
            data[at + 2] = r.mark;
            data[at + 3] = r.scenarios.length;
            for (uint256 t; t < r.scenarios.length; ++t) {
                data[at + 4 + t] = r.scenarios[t];
            }
            at += 4 + r.scenarios.length;
        }
    }

    /// @dev `risk` decoded into memory (the external `risk` returns the stored bytes directly).
    function _riskOf(uint256 seriesId) internal view returns (Risk memory r) {
        address a = _risk[seriesId];
        if (a == address(0)) return r;
        r = abi.decode(a.code, (Risk));
        if (!(isCurrent(seriesId) && r.observedAt == _s[seriesId].observedAt)) r.current = false;
    }

    function mark(uint256 seriesId) external view returns (Mark memory) {
        return _mark(seriesId);
    }

    function _mark(uint256 seriesId) internal view returns (Mark memory k) {
        Packed memory p = _s[seriesId];
        k.price = p.price;
        k.spot = p.spot;
        k.observedAt = p.observedAt;
        k.spotNow = p.spotNow != 0 ? p.spotNow : p.spot;
        k.strike = p.strike != 0 ? p.strike : 2_000e18;
        k.expiry = p.expiry;
        k.coveredUntil = p.coveredUntil != 0 ? p.coveredUntil : p.expiry;
        k.spread = p.spread;
        k.unitReserve = p.unitReserve;
        k.isCall = !p.isPut;
        k.settled = p.settled;
        bool down = sequencerDown;
        k.current = p.roundId != 0 && !p.notCurrent && !p.settled && !down;
        k.sequencerUp = !down;
    }
}
