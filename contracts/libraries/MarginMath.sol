// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title MarginMath
/// @notice The margin arithmetic of `MarginEngine`, as pure functions (tested against a
/// reference implementation).
///
/// Units: sizes are wad units of underlying (1e18 = one unit); prices and spots are wad
/// amounts of collateral per unit of underlying; collateral, values and requirements are
/// wad amounts of collateral; bps are basis points (10,000 = 100%).
///
/// Premiums settle in collateral when a position is opened or closed (a long pays
/// `size · price`, a short receives it), so an account's value is
///
///     equity = collateral + Σ_long floor(size · price / 1e18) − Σ_short ceil(size · price / 1e18)
///
/// (= deposits − withdrawals + Σ realised and unrealised PnL). Requirements, per short unit,
/// are the cost to buy the option back plus a fraction of spot:
///
///     IM_short = price + imBps · spot / 10,000      MM_short = price + mmBps · spot / 10,000
///
/// and longs need nothing beyond the premium already paid. Since the buy-back cost is
/// already subtracted in `equity`, the checks read
///
///     initialMargin     = Σ_short ceil(size · spot · imBps / (1e18 · 10,000))
///     maintenanceMargin = Σ_short ceil(size · spot · mmBps / (1e18 · 10,000))
///     IM satisfied  ⇔ equity >= initialMargin
///     liquidatable  ⇔ equity <  maintenanceMargin
///
/// Rounding is always against the account: values down (long value floor, short liability
/// ceil), requirements up (each term ceil).
library MarginMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;

    /// @notice One position with the observation it is valued at.
    /// @param size Signed size: > 0 long, < 0 short (wad units of underlying).
    /// @param price Option price (wad per unit).
    /// @param spot Spot of the underlying proven with the price (wad per unit).
    struct Leg {
        int256 size;
        uint256 price;
        uint256 spot;
    }

    /// @dev floor(a · b / d), or its ceiling if `up`: `Math.mulDiv` (512-bit product, reverts if the
    /// result overflows), computed directly when both factors are below 2^128 (the product then
    /// fits 256 bits and adding d − 1 < 2^128 cannot overflow). The same value either way.
    function _mulDiv(uint256 a, uint256 b, uint256 d, bool up) private pure returns (uint256) {
        if ((a | b) >> 128 == 0) {
            // a, b < 2^128: p < 2^256 − 2^129 + 1, and p + d − 1 does not overflow (d <= 2^128).
            unchecked {
                uint256 p = a * b;
                return up ? (p + d - 1) / d : p / d;
            }
        }
        return Math.mulDiv(a, b, d, up ? Math.Rounding.Ceil : Math.Rounding.Floor);
    }

    /// @notice floor(size · price / 1e18): what a long is worth, what selling it pays.
    function valueDown(uint256 size, uint256 price) internal pure returns (uint256) {
        return _mulDiv(size, price, WAD, false);
    }

    /// @notice ceil(size · price / 1e18): what a short owes, what buying it costs.
    function valueUp(uint256 size, uint256 price) internal pure returns (uint256) {
        return _mulDiv(size, price, WAD, true);
    }

    /// @notice ceil(size · spot · bps / (1e18 · 10,000)): the spot buffer of a short.
    function buffer(uint256 size, uint256 spot, uint256 bps) internal pure returns (uint256) {
        return _mulDiv(size, spot * bps, WAD * BPS, true);
    }

    /// @notice Equity, initial and maintenance margin of an account (see the library NatSpec):
    /// `healthFlat` on legs that carry only size, price and spot.
    function health(uint256 collateral, Leg[] memory legs, uint256 imBps, uint256 mmBps)
        internal
        pure
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin)
    {
        Position[] memory ps = new Position[](legs.length);
        for (uint256 i; i < legs.length; ++i) {
            ps[i].size = legs[i].size;
            ps[i].price = legs[i].price;
            ps[i].spot = legs[i].spot;
        }
        return healthFlat(collateral, ps, imBps, mmBps);
    }

    /// @notice The flat rule on portfolio positions (only size, price and spot are read).
    function healthFlat(uint256 collateral, Position[] memory legs, uint256 imBps, uint256 mmBps)
        internal
        pure
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin)
    {
        equity = SafeCast.toInt256(collateral);
        for (uint256 i; i < legs.length; ++i) {
            Position memory leg = legs[i];
            if (leg.size > 0) {
                equity += SafeCast.toInt256(valueDown(uint256(leg.size), leg.price));
            } else if (leg.size < 0) {
                uint256 size = uint256(-leg.size);
                equity -= SafeCast.toInt256(valueUp(size, leg.price));
                initialMargin += buffer(size, leg.spot, imBps);
                maintenanceMargin += buffer(size, leg.spot, mmBps);
            }
        }
    }

    // ------------------------------------------------------------ portfolio margin

    /// @notice One position for portfolio margin.
    /// @param size Signed size: > 0 long, < 0 short (wad units of underlying).
    /// @param price The leg's valuation per unit: the bid for a long, the ask for a short (or
    /// the conservative value of a leg without a usable mark), wad.
    /// @param spread The model's error band per unit (the engine's spread), wad: scenario prices
    /// are moved by it against the account.
    /// @param lo Least value one unit of the leg can have, wad (a long's fallback loss goes down to it).
    /// @param hi Largest value one unit can have, spread included, wad (a short's fallback
    /// liability goes up to it). With every scenario value inside [lo, hi], margining the leg at
    /// its bounds is never cheaper than with its risk vector.
    /// @param spot Spot for the floor, wad per unit. @param strike Strike, wad. @param isCall Call or put.
    /// @param group Risk group (0: no risk vector: the leg is margined alone at its bounds).
    /// @param scenarios Scenario prices, wad per unit, in the group's grid order.
    struct Position {
        int256 size;
        uint256 price;
        uint256 spread;
        uint256 lo;
        uint256 hi;
        uint256 spot;
        uint256 strike;
        bool isCall;
        bytes32 group;
        uint256[] scenarios;
    }

    /// @notice Portfolio-margin parameters: factors in bps of the worst loss (10,000 = 1×), floors
    /// `max(a·S − OTM, b·S)` per short unit with a, b in bps of spot, and the least ask (minTick).
    struct Rule {
        uint256 imFactorBps;
        uint256 mmFactorBps;
        uint256 imFloorABps;
        uint256 imFloorBBps;
        uint256 mmFloorABps;
        uint256 mmFloorBBps;
        uint256 minTick;
    }

    /// @notice Scenario prices above this are never used (they would not fit the arithmetic).
    uint256 internal constant MAX_SCENARIO_VALUE = 2 ** 128 - 1;

    /// @notice ceil(size · max(a·S − OTM, b·S) / (1e18 · 10,000)): the floor of one short leg.
    /// OTM = max(K − S, 0) for a call, max(S − K, 0) for a put.
    function floorOf(uint256 size, uint256 spot, uint256 strike, bool isCall, uint256 aBps, uint256 bBps)
        internal
        pure
        returns (uint256)
    {
        uint256 otm = isCall ? (strike > spot ? strike - spot : 0) : (spot > strike ? spot - strike : 0);
        uint256 a = spot * aBps;
        uint256 o = otm * BPS;
        uint256 perUnit = a > o ? a - o : 0;
        uint256 b = spot * bBps;
        if (b > perUnit) perUnit = b;
        return _mulDiv(size, perUnit, WAD * BPS, true);
    }

    /// @notice The value of one unit in a scenario, moved by the spread against the account:
    /// a long at max(p − spread, 0), a short at max(p + spread, minTick), with p and the result
    /// capped at 2^128 − 1.
    function scenarioValue(bool isLong, uint256 p, uint256 spread, uint256 minTick) internal pure returns (uint256 v) {
        if (p > MAX_SCENARIO_VALUE) p = MAX_SCENARIO_VALUE;
        if (isLong) return p > spread ? p - spread : 0;
        v = spread > MAX_SCENARIO_VALUE ? MAX_SCENARIO_VALUE : p + spread;
        if (v < minTick) v = minTick;
        if (v > MAX_SCENARIO_VALUE) v = MAX_SCENARIO_VALUE;
    }

    /// @notice Whether a leg's risk vector is used: a group, at least one scenario, a size
    /// below 2^128. (Scenario values are capped at 2^128 − 1 for the arithmetic; proven prices
    /// are far below.)
    function usesScenarios(Position memory leg) internal pure returns (bool) {
        if (leg.group == bytes32(0) || leg.scenarios.length == 0 || leg.size == 0) return false;
        return (leg.size > 0 ? uint256(leg.size) : uint256(-leg.size)) <= MAX_SCENARIO_VALUE;
    }

    /// @notice The loss of a leg margined alone at its bounds: a long's value down to `lo`, a
    /// short's liability up to `hi` (0 if already there).
    function fallbackLoss(Position memory leg) internal pure returns (uint256) {
        if (leg.size > 0) {
            uint256 q = uint256(leg.size);
            uint256 now_ = valueDown(q, leg.price);
            uint256 low = valueDown(q, leg.lo);
            return now_ > low ? now_ - low : 0;
        }
        if (leg.size < 0) {
            uint256 q = uint256(-leg.size);
            uint256 now_ = valueUp(q, leg.price);
            uint256 high = valueUp(q, leg.hi);
            return high > now_ ? high - now_ : 0;
        }
        return 0;
    }

    /// @notice Equity, initial and maintenance margin under portfolio margin:
    ///
    ///     equity     = collateral + Σ_long ⌊size·price⌋ − Σ_short ⌈size·price⌉
    ///     loss_g,s   = Σ_{i in g} (long: ⌊q·price⌋ − ⌊q·max(p_i,s − spread, 0)⌋;
    ///                              short: ⌈q·max(p_i,s + spread, minTick)⌉ − ⌈q·price⌉)
    ///     worstLoss  = Σ_groups max(0, max_s loss_g,s) + Σ_{legs without a used vector} fallbackLoss
    ///     IM = ⌈imFactor·worstLoss/1e4⌉ + Σ_short imFloor      MM = ⌈mmFactor·worstLoss/1e4⌉ + Σ_short mmFloor
    ///
    /// Legs offset only within one group with the same scenario count; at most 256 legs.
    function portfolioHealth(uint256 collateral, Position[] memory legs, Rule memory r)
        internal
        pure
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin, uint256 worstLoss)
    {
        uint256 n = legs.length;
        require(n <= 256, "MarginMath: too many legs");
        equity = SafeCast.toInt256(collateral);
        uint256 used; // bit i: leg i's scenarios are used
        for (uint256 i; i < n; ++i) {
            Position memory leg = legs[i];
            if (leg.size > 0) {
                equity += SafeCast.toInt256(valueDown(uint256(leg.size), leg.price));
            } else if (leg.size < 0) {
                uint256 q = uint256(-leg.size);
                equity -= SafeCast.toInt256(valueUp(q, leg.price));
                initialMargin += floorOf(q, leg.spot, leg.strike, leg.isCall, r.imFloorABps, r.imFloorBBps);
                maintenanceMargin += floorOf(q, leg.spot, leg.strike, leg.isCall, r.mmFloorABps, r.mmFloorBBps);
            }
            if (usesScenarios(leg)) used |= 1 << i;
            else worstLoss += fallbackLoss(leg);
        }
        worstLoss += _groupLosses(legs, used, r.minTick);
        initialMargin += _mulDiv(worstLoss, r.imFactorBps, BPS, true);
        maintenanceMargin += _mulDiv(worstLoss, r.mmFactorBps, BPS, true);
    }

    /// @dev Σ over groups of max(0, max_s loss_g,s) for the legs whose bit is set in `used`.
    function _groupLosses(Position[] memory legs, uint256 used, uint256 minTick) private pure returns (uint256 total) {
        uint256 n = legs.length;
        uint256 done;
        for (uint256 i; i < n; ++i) {
            if ((used >> i) & 1 == 0 || (done >> i) & 1 == 1) continue;
            bytes32 g = legs[i].group;
            uint256 m = legs[i].scenarios.length;
            int256[] memory loss = new int256[](m);
            for (uint256 j = i; j < n; ++j) {
                Position memory leg = legs[j];
                if ((used >> j) & 1 == 0 || (done >> j) & 1 == 1 || leg.group != g || leg.scenarios.length != m) continue;
                done |= 1 << j;
                _addLosses(loss, leg, minTick);
            }
            int256 worst;
            assembly ("memory-safe") {
                let lp := add(loss, 0x20)
                for { let end := add(lp, shl(5, m)) } lt(lp, end) { lp := add(lp, 0x20) } {
                    let x := mload(lp)
                    if sgt(x, worst) { worst := x }
                }
            }
            total += uint256(worst);
        }
    }

    /// @dev Adds a leg's loss in every scenario, `scenarioValue` inlined and branch-free (the hot
    /// loop of a margin check). No overflow: |size| < 2^128 (usesScenarios), every scenario value
    /// is capped at 2^128 − 1, so each product is below 2^256 − 2^128 (its ceiling's `+ WAD − 1`
    /// included) and each term below 2^128 in absolute value; at most 256 legs add up far below
    /// 2^255. `leg.scenarios.length == loss.length`.
    function _addLosses(int256[] memory loss, Position memory leg, uint256 minTick) private pure {
        uint256[] memory sc = leg.scenarios;
        uint256 spread = leg.spread;
        uint256 cap = MAX_SCENARIO_VALUE;
        if (leg.size > 0) {
            uint256 q = uint256(leg.size);
            int256 base = SafeCast.toInt256(valueDown(q, leg.price));
            assembly ("memory-safe") {
                let lp := add(loss, 0x20)
                let sp := add(sc, 0x20)
                let end := add(sp, shl(5, mload(sc)))
                for {} lt(sp, end) {} {
                    let p := mload(sp)
                    if gt(p, cap) { p := cap }
                    // max(p − spread, 0)
                    mstore(lp, add(mload(lp), sub(base, div(mul(q, mul(gt(p, spread), sub(p, spread))), WAD))))
                    sp := add(sp, 0x20)
                    lp := add(lp, 0x20)
                }
            }
        } else {
            uint256 q = uint256(-leg.size);
            int256 base = SafeCast.toInt256(valueUp(q, leg.price));
            if (spread > cap) spread = cap;
            assembly ("memory-safe") {
                let lp := add(loss, 0x20)
                let sp := add(sc, 0x20)
                let end := add(sp, shl(5, mload(sc)))
                for {} lt(sp, end) {} {
                    let v := mload(sp)
                    if gt(v, cap) { v := cap }
                    v := add(v, spread)
                    if lt(v, minTick) { v := minTick }
                    if gt(v, cap) { v := cap }
                    // ceil(q · v / 1e18) − base
                    mstore(lp, add(mload(lp), sub(div(add(mul(q, v), 999999999999999999), WAD), base)))
                    sp := add(sp, 0x20)
                    lp := add(lp, 0x20)
                }
            }
        }
    }
}
