// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantERC20 (tests only)
/// @notice An ERC-20 that, once armed, calls `target` with `callData` from inside its next
/// `transfer` / `transferFrom` (before moving balances) and bubbles up a revert of that call.
/// Used to show that the engine's external entry points cannot be re-entered.
contract ReentrantERC20 is ERC20 {
    address public target;
    bytes public callData;
    bool public armed;

    constructor() ERC20("Reentrant", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arm one callback into `target_` with `callData_`.
    function arm(address target_, bytes calldata callData_) external {
        target = target_;
        callData = callData_;
        armed = true;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transferFrom(from, to, value);
    }

    function _reenter() internal {
        if (!armed) return;
        armed = false;
        (bool ok, bytes memory ret) = target.call(callData);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
