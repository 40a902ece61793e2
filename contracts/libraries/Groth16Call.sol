// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title Groth16Call
/// @notice Calls a snarkjs Groth16 verifier with any number of public signals.
/// @dev See `IGroth16Verifier.sol` for why the call is low level.
library Groth16Call {
    /// @dev The BN254 scalar field order: every public signal must be strictly below it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice The selector of `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[n])`.
    function selectorFor(uint256 n) internal pure returns (bytes4) {
        return bytes4(
            keccak256(
                abi.encodePacked("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", Strings.toString(n), "])")
            )
        );
    }

    /// @notice True only if `verifier` answered `selector ‖ a ‖ b ‖ c ‖ signals` successfully
    /// with exactly the ABI encoding of `true`. A revert, empty return data (e.g. no code at
    /// `verifier`), a return of another length or any value other than 1 is `false`.
    /// @dev The calldata is assembled in free memory without moving the free-memory pointer
    /// (scratch use). The signals are copied word for word: a signal >= the field order is
    /// passed through and the verifier itself returns false for it.
    function verify(
        address verifier,
        bytes4 selector,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata signals
    ) internal view returns (bool ok) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let signalBytes := shl(5, signals.length)
            mstore(ptr, selector)
            calldatacopy(add(ptr, 0x04), a, 0x40)
            calldatacopy(add(ptr, 0x44), b, 0x80)
            calldatacopy(add(ptr, 0xc4), c, 0x40)
            calldatacopy(add(ptr, 0x104), signals.offset, signalBytes)
            mstore(0x00, 0)
            let success := staticcall(gas(), verifier, ptr, add(0x104, signalBytes), 0x00, 0x20)
            ok := and(success, and(eq(returndatasize(), 0x20), eq(mload(0x00), 1)))
        }
    }
}
