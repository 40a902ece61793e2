// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MarginEngine} from "../MarginEngine.sol";

/// @title MarginGasProbe (tests only)
/// @notice Measures the gas of one margin check (`accountHealth`) of an engine, called from a
/// contract so that the figure excludes the transaction's base cost and calldata.
contract MarginGasProbe {
    function accountHealthGas(MarginEngine engine, address account) external view returns (uint256 used, uint256 initialMargin) {
        uint256 before = gasleft();
        (, initialMargin,,) = engine.accountHealth(account);
        used = before - gasleft();
    }
}
