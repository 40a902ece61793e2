// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ModelRegistry} from "../ModelRegistry.sol";

/// @title RiskRecords
/// @notice What `OptionPriceFeed` stores of a proven price and risk vector: the no-arbitrage
/// clamp, the scenario lanes, Δ and Γ of a verified risk statement (`pack`, computed by the
/// registry's `checkedRiskRecord`, which keeps the feed under the contract size limit) and
/// their decoding (`unpack`).
///
/// Scenario lanes: 17 bits each, 15 per word, scenario t in word t / 15 at bits 17 · (t % 15):
/// its clamped priceOverStrike in units of `SCENARIO_UNIT` (2e-5 of the strike), rounded down.
/// A lane holds at most 131,071 units, 2.62 times the strike (a call's clamped price is at most
/// its shocked moneyness: the registry bounds it, `ModelRegistry.MAX_SHOCKED_MONEYNESS`).
library RiskRecords {
    uint256 internal constant WAD = 1e18;
    /// @dev priceOverStrike (wad) per unit of a scenario lane: 2e-5 of the strike.
    uint256 internal constant SCENARIO_UNIT = 2e13;
    /// @dev A lane times the strike over this is its price, wad per unit (1e18 / SCENARIO_UNIT).
    uint256 internal constant SCENARIO_DIVISOR = 5e4;
    uint256 internal constant LANE_BITS = 17;
    uint256 internal constant LANE_MASK = 0x1ffff;
    uint256 internal constant LANES_PER_WORD = 15;
    /// @dev Most scenarios the feed stores (3 words).
    uint256 internal constant MAX_SCENARIOS = 32;

    /// @dev A risk value does not fit its storage (`which`: 0 delta, 1 gamma, 2 a scenario
    /// priceOverStrike (wad) of 2^17 units of 2e-5 or more, about 2.62 times the strike).
    error RiskValueOverflow(uint256 which, int256 value);

    /// @notice The no-arbitrage clamp of a proven priceOverStrike (see `OptionPriceFeed`), all
    /// wad; `timeToExpiry` in years, `rate` per year.
    /// @return clampedPrice The value in [lower, upper].
    /// @return clamped Whether it differs from `priceOverStrike`.
    function clamp(uint256 priceOverStrike, uint256 moneyness, uint256 timeToExpiry, uint256 rate, bool isCall)
        internal
        pure
        returns (uint256 clampedPrice, bool clamped)
    {
        // x = rate · τ (wad; both < 2^128 by the registry ranges), bracketed by xDown <= x <= xUp.
        uint256 xDown = (rate * timeToExpiry) / WAD;
        uint256 xUp = (rate * timeToExpiry + WAD - 1) / WAD;
        uint256 lower;
        uint256 upper;
        if (isCall) {
            // D⁺ = min(1 − xDown + ⌈xUp²/2⌉, 1) >= e^{−x} (x >= 0); always > 0.
            uint256 dPlus = WAD + (xUp * xUp + 2 * WAD - 1) / (2 * WAD) - xDown;
            if (dPlus > WAD) dPlus = WAD; // e^{−x} <= 1 for x >= 0 (rates are unsigned)
            lower = moneyness > dPlus ? moneyness - dPlus : 0;
            upper = moneyness;
        } else {
            // D⁻ = max(1 − xUp, 0) <= 1 − x <= e^{−x}.
            uint256 dMinus = xUp < WAD ? WAD - xUp : 0;
            lower = dMinus > moneyness ? dMinus - moneyness : 0;
            upper = WAD;
        }
        clampedPrice = priceOverStrike < lower ? lower : (priceOverStrike > upper ? upper : priceOverStrike);
        clamped = clampedPrice != priceOverStrike;
    }

    /// @dev Writes the `m` stored scenarios of `words` as wad per unit (lane · strike / 5e4,
    /// rounded down) to memory from `sp`; returns scenario `markScenario`'s (< m).
    function unpack(uint256[3] storage words, uint256 m, uint256 markScenario, uint256 strike, uint256 sp)
        internal
        view
        returns (uint256 markPrice)
    {
        assembly ("memory-safe") {
            let slot := words.slot
            let out := sp
            let end := add(sp, shl(5, m))
            // Whole words of 15 lanes, straight-line (the common grid of 15 scenarios is one word).
            for {} iszero(gt(add(out, 0x1e0), end)) { slot := add(slot, 1) } {
                let w := sload(slot)
                mstore(out, div(mul(and(w, 0x1ffff), strike), 50000))
                mstore(add(out, 0x20), div(mul(and(shr(17, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x40), div(mul(and(shr(34, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x60), div(mul(and(shr(51, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x80), div(mul(and(shr(68, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0xa0), div(mul(and(shr(85, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0xc0), div(mul(and(shr(102, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0xe0), div(mul(and(shr(119, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x100), div(mul(and(shr(136, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x120), div(mul(and(shr(153, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x140), div(mul(and(shr(170, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x160), div(mul(and(shr(187, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x180), div(mul(and(shr(204, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x1a0), div(mul(and(shr(221, w), 0x1ffff), strike), 50000))
                mstore(add(out, 0x1c0), div(mul(and(shr(238, w), 0x1ffff), strike), 50000))
                out := add(out, 0x1e0)
            }
            // The rest, lane by lane, from the next word.
            if lt(out, end) {
                let w := sload(slot)
                for {} lt(out, end) { out := add(out, 0x20) } {
                    mstore(out, div(mul(and(w, LANE_MASK), strike), SCENARIO_DIVISOR))
                    w := shr(LANE_BITS, w)
                }
            }
            markPrice := mload(add(sp, shl(5, markScenario)))
        }
    }

    /// @notice A risk statement in the form the feed stores: `mark` the raw proven mark scenario
    /// (priceOverStrike wad, before the clamp), the scenario lane words, Δ and Γ (wad).
    struct Packed {
        int256 mark;
        uint256[3] words;
        int96 delta;
        int96 gamma;
    }

    /// @notice The stored form of a verified risk statement of the option layout: scenario lanes
    /// (see the library NatSpec; `rc.numScenarios` <= MAX_SCENARIOS) of the proven prices `v`
    /// (grid order, then dP and d2P; payoff skip included) clamped at each scenario's moneyness,
    /// and Δ, Γ (`_greeks`). `m`, `ttm`: the statement's moneyness and timeToExpiry (wad).
    function pack(
        ModelRegistry.RiskCircuit memory rc,
        int256[] memory v,
        uint256 m,
        uint256 ttm,
        uint256 rate,
        bool isCall,
        uint256 strike
    ) internal pure returns (Packed memory pk) {
        uint256 n = rc.numScenarios;
        pk.mark = v[rc.markScenario];
        for (uint256 t; t < n; ++t) {
            pk.words[t / LANES_PER_WORD] |= _scenarioPos(rc, v[t], t, m, ttm, rate, isCall) << (LANE_BITS * (t % LANES_PER_WORD));
        }
        (pk.delta, pk.gamma) = _greeks(rc, v[n], v[n + 1], m, strike);
    }

    /// @dev Scenario t's proven priceOverStrike (raw `vt`, payoff skip included) clamped into the
    /// no-arbitrage interval at its moneyness m · (2^b + k) / 2^b (rounded down), in units of
    /// 2e-5 of the strike (rounded down); below 2^17.
    function _scenarioPos(
        ModelRegistry.RiskCircuit memory rc,
        int256 vt,
        uint256 t,
        uint256 m,
        uint256 ttm,
        uint256 rate,
        bool isCall
    ) private pure returns (uint256 pos) {
        int256 k = rc.spotShocks[t / rc.volShocks.length];
        uint256 mt = (m * uint256((int256(1) << rc.shockBits) + k)) >> rc.shockBits;
        (pos,) = clamp(vt > 0 ? uint256(vt) : 0, mt, ttm, rate, isCall);
        if (pos / SCENARIO_UNIT > LANE_MASK) revert RiskValueOverflow(2, int256(pos));
        pos /= SCENARIO_UNIT;
    }

    /// @dev Δ = dP · 2^b · 1e18 / (2 · k · m) and Γ = ⌊d2P · 4^b · 1e36 / (k² · m²)⌋ · 1e18 /
    /// strike (dP, d2P raw with the payoff skip, k = the step's shock, m = moneyness wad,
    /// magnitudes rounded down), wad.
    function _greeks(ModelRegistry.RiskCircuit memory rc, int256 dP, int256 d2P, uint256 m, uint256 strike)
        private
        pure
        returns (int96 delta, int96 gamma)
    {
        uint256 k = uint256(int256(rc.deltaShock));
        uint256 b = rc.shockBits;
        uint256 d = Math.mulDiv(_abs(dP), (uint256(1) << b) * WAD, 2 * k * m);
        uint256 p2 = Math.mulDiv(_abs(d2P), (uint256(1) << (2 * b)) * WAD * WAD, k * k * m * m);
        uint256 g = Math.mulDiv(p2, WAD, strike);
        delta = _int96(dP < 0 ? -int256(d) : int256(d), d, 0);
        gamma = _int96(d2P < 0 ? -int256(g) : int256(g), g, 1);
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x < 0 ? uint256(-x) : uint256(x);
    }

    function _int96(int256 v, uint256 magnitude, uint256 which) private pure returns (int96) {
        if (magnitude > uint256(uint96(type(int96).max))) revert RiskValueOverflow(which, v);
        return int96(v);
    }
}
