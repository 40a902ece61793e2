// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "zkinfer/contracts/interfaces/AggregatorV3Interface.sol";
import {IOptionPriceFeed} from "zkinfer/contracts/interfaces/IOptionPriceFeed.sol";

/// @notice Reads one series' proven option price (wad per unit) through zkinfer's
/// AggregatorV3 adapter, refusing a price older than `maxAge` or no longer current.
contract OptionPriceReader {
    AggregatorV3Interface public immutable price;
    IOptionPriceFeed public immutable feed;
    uint256 public immutable seriesId;
    uint256 public immutable maxAge;

    /// @dev The latest proven price was observed more than `maxAge` seconds ago.
    error StalePrice(uint256 updatedAt);
    /// @dev An oracle has a newer round than the one the price was proven for.
    error PriceNotCurrent();

    constructor(AggregatorV3Interface price_, IOptionPriceFeed feed_, uint256 seriesId_, uint256 maxAge_) {
        (price, feed, seriesId, maxAge) = (price_, feed_, seriesId_, maxAge_);
    }

    function markPrice() external view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = price.latestRoundData();
        if (block.timestamp - updatedAt > maxAge) revert StalePrice(updatedAt);
        if (!feed.isCurrent(seriesId)) revert PriceNotCurrent();
        return uint256(answer);
    }
}
