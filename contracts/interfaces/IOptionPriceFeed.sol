// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IOptionPriceFeed
/// @notice What a consumer (the margin engine) needs from a proven option-price feed.
interface IOptionPriceFeed {
    /// @notice The latest proven observation of a series.
    /// @return price Option price per unit of underlying, wad (18 decimals) in the strike's
    /// quote unit; 0 if never set.
    /// @return spot Spot proven with the price (moneyness · strike / 1e18, rounded down), wad.
    /// @return observedAt Unix seconds the price refers to; 0 if never set.
    /// @return roundId Round id of the observation: equal to `observedAt` (strictly increasing
    /// per series, not consecutive); 0 if never set.
    /// @return settled True for the final settlement observation of an expired series (its
    /// price is the intrinsic value and never goes stale).
    function latestObservation(uint256 seriesId)
        external
        view
        returns (uint256 price, uint256 spot, uint256 observedAt, uint256 roundId, bool settled);

    /// @notice Whether the latest proven (not settled) price of a series is for the spot
    /// oracle's latest round, i.e. still reflects the oracle. False before the first price,
    /// after settlement, and as soon as the spot oracle has a newer round.
    function isCurrent(uint256 seriesId) external view returns (bool);

    /// @notice Expiry (unix seconds) of a series, 0 if the series does not exist.
    function seriesExpiry(uint256 seriesId) external view returns (uint256);
}
