// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IGroth16Verifier (notes and the 5-signal shape)
/// @notice How the contracts of this project talk to a snarkjs-exported Groth16 verifier.
///
/// A snarkjs verifier exposes exactly one function:
///
///     function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC,
///                          uint[N] calldata _pubSignals) public view returns (bool)
///
/// where N (the number of public signals: outputs first, then public inputs) is fixed per
/// circuit, so the function selector differs per circuit and no single Solidity interface
/// can describe all verifiers. Two facts every caller must respect:
///
/// 1. It RETURNS `false` on a bad proof; it does not revert. A caller that ignores the
///    return value accepts every proof.
/// 2. It also returns `false` when a public signal is >= the BN254 scalar field order
///    (21888242871839275222246405745257275088548364400416034343698204186575808495617), so a
///    value and the same value plus the field order can never both verify. Callers check the
///    bound themselves to give a clear error instead of a bare "invalid proof".
///
/// Callers that must work for any N (the registry and the feed) do not use a typed
/// interface: they build the calldata `selector ‖ a ‖ b ‖ c ‖ signals` with
/// `selector = bytes4(keccak256("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N])"))`
/// (computed once per model at registration) and issue a `staticcall`; only a successful call
/// whose return data is exactly the ABI encoding of `true` (32 bytes, value 1) counts as valid.
/// See `Groth16Call`.
///
/// `_pB` is in the order the pairing precompile expects: each G2 coordinate is
/// (imaginary, real), i.e. snarkjs's `pi_b[i][1], pi_b[i][0]`.
interface IGroth16Verifier5 {
    /// @notice The option-model verifier shape: 5 public signals
    /// `[priceOverStrike, moneyness, timeToExpiry, volatility, rate]`.
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[5] calldata pubSignals
    ) external view returns (bool);
}
