// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MarginEngine} from "../MarginEngine.sol";
import {IOptionPriceFeed} from "../interfaces/IOptionPriceFeed.sol";
import {MarginMath} from "../libraries/MarginMath.sol";

/// @title MarginGasProbe (tests only)
/// @notice Measures the gas of one margin check (`accountHealth`) of an engine, called from a
/// contract so that the figure excludes the transaction's base cost and calldata.
contract MarginGasProbe {
    function accountHealthGas(MarginEngine engine, address account) external view returns (uint256 used, uint256 initialMargin) {
        uint256 before = gasleft();
        (, initialMargin,,) = engine.accountHealth(account);
        used = before - gasleft();
    }

    /// @notice Gas of reading `mark` and `risk` of each series (the feed's share of a margin check).
    function feedReadGas(IOptionPriceFeed feed, uint256[] calldata ids) external view returns (uint256 used) {
        uint256 before = gasleft();
        for (uint256 i; i < ids.length; ++i) {
            feed.mark(ids[i]);
            feed.risk(ids[i]);
        }
        used = before - gasleft();
    }

    /// @notice Gas of one `marksAndRisks` call for the series (the batch the engine makes).
    function batchReadGas(IOptionPriceFeed feed, uint256[] calldata ids, bool withRisk) external view returns (uint256 used) {
        uint256 before = gasleft();
        feed.marksAndRisks(ids, withRisk);
        used = before - gasleft();
    }

    /// @notice Gas of `MarginMath.portfolioHealth` alone on `legs` (memory already built).
    function mathGas(MarginMath.Position[] memory legs, MarginMath.Rule memory rule) external view returns (uint256 used) {
        uint256 before = gasleft();
        MarginMath.portfolioHealth(0, legs, rule);
        used = before - gasleft();
    }
}
