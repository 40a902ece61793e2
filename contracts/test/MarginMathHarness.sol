// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MarginMath} from "../libraries/MarginMath.sol";

/// @title MarginMathHarness (tests only)
/// @notice Exposes `MarginMath` for property tests against a reference implementation.
contract MarginMathHarness {
    function health(uint256 collateral, MarginMath.Leg[] memory legs, uint256 imBps, uint256 mmBps)
        external
        pure
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin)
    {
        return MarginMath.health(collateral, legs, imBps, mmBps);
    }

    function portfolioHealth(uint256 collateral, MarginMath.Position[] memory legs, MarginMath.Rule memory rule)
        external
        pure
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin, uint256 worstLoss)
    {
        return MarginMath.portfolioHealth(collateral, legs, rule);
    }

    function shortFloor(uint256 size, uint256 spot, uint256 strike, bool isCall, uint256 aBps, uint256 bBps)
        external
        pure
        returns (uint256)
    {
        return MarginMath.floorOf(size, spot, strike, isCall, aBps, bBps);
    }
}
