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
}
