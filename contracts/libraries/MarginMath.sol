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

    /// @notice floor(size · price / 1e18): what a long is worth, what selling it pays.
    function valueDown(uint256 size, uint256 price) internal pure returns (uint256) {
        return Math.mulDiv(size, price, WAD);
    }

    /// @notice ceil(size · price / 1e18): what a short owes, what buying it costs.
    function valueUp(uint256 size, uint256 price) internal pure returns (uint256) {
        return Math.mulDiv(size, price, WAD, Math.Rounding.Ceil);
    }

    /// @notice ceil(size · spot · bps / (1e18 · 10,000)): the spot buffer of a short.
    function buffer(uint256 size, uint256 spot, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(size, spot * bps, WAD * BPS, Math.Rounding.Ceil);
    }

    /// @notice Equity, initial and maintenance margin of an account (see the library NatSpec).
    function health(uint256 collateral, Leg[] memory legs, uint256 imBps, uint256 mmBps)
        internal
        pure
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin)
    {
        equity = SafeCast.toInt256(collateral);
        for (uint256 i; i < legs.length; ++i) {
            Leg memory leg = legs[i];
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
}
