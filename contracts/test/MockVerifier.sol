// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MockVerifier (unit tests only: it accepts whatever it is told to)
/// @notice Answers `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[5])` with a
/// settable result, or with malformed return data to test the caller's strict decoding.
contract MockVerifier {
    /// @notice 0: return abi.encode(result); 1: revert; 2: return 64 bytes; 3: return the word 2.
    uint8 public mode;
    bool public result = true;

    function setResult(bool result_) external {
        result = result_;
    }

    function setMode(uint8 mode_) external {
        mode = mode_;
    }

    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[5] calldata)
        external
        view
        returns (bool)
    {
        uint8 m = mode;
        if (m == 1) revert("MockVerifier: revert");
        if (m == 2) {
            bool r = result;
            assembly ("memory-safe") {
                mstore(0x00, r)
                mstore(0x20, 0)
                return(0x00, 0x40)
            }
        }
        if (m == 3) {
            assembly ("memory-safe") {
                mstore(0x00, 2)
                return(0x00, 0x20)
            }
        }
        return result;
    }
}
