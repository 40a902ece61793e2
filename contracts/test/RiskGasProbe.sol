// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ModelRegistry} from "../ModelRegistry.sol";
import {Groth16Call} from "../libraries/Groth16Call.sol";

/// @title RiskGasProbe (tests only)
/// @notice Measures the parts of a `submitRisk` that the feed delegates (the registry's reads of
/// a risk proof's signals, the Groth16 verification), each called from a contract so that the
/// figure excludes the transaction's base cost and calldata. Each function makes its call cold
/// (a fresh transaction or `eth_call` per function).
contract RiskGasProbe {
    /// @notice Gas of `registry.checkRiskSignals(modelId, signals)`.
    function checkGas(ModelRegistry registry, uint256 modelId, uint256[] calldata signals) external view returns (uint256 used) {
        uint256 before = gasleft();
        registry.checkRiskSignals(modelId, signals);
        used = before - gasleft();
    }

    /// @notice Gas of `registry.riskValues(modelId, signals)`.
    function valuesGas(ModelRegistry registry, uint256 modelId, uint256[] calldata signals) external view returns (uint256 used) {
        uint256 before = gasleft();
        registry.riskValues(modelId, signals);
        used = before - gasleft();
    }

    /// @notice Gas of `registry.checkedRiskValues(modelId, signals)` (what `submitRisk` calls).
    function checkedValuesGas(ModelRegistry registry, uint256 modelId, uint256[] calldata signals) external view returns (uint256 used) {
        uint256 before = gasleft();
        registry.checkedRiskValues(modelId, signals);
        used = before - gasleft();
    }

    /// @notice Gas of the Groth16 verification of a risk proof (the verifier's own cost).
    function verifyGas(
        address verifier,
        bytes4 selector,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata signals
    ) external view returns (uint256 used, bool ok) {
        uint256 before = gasleft();
        ok = Groth16Call.verify(verifier, selector, a, b, c, signals);
        used = before - gasleft();
    }
}
