// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Errors that several zkinfer contracts share
/// @notice Declared once here, in the style of OpenZeppelin's `draft-IERC6093.sol`, so that one
/// error has one selector and one meaning whichever contract reverts with it. A contract that
/// raises one of them inherits the interface; the ABI of that contract lists the error.
/// Errors raised by one contract only stay in that contract.

/// @notice Proof and public-signal errors (ModelRegistry, OptionPriceFeed).
interface IZkinferProofErrors {
    /// @dev The number of public signals is not `expected` (the model's outputs + inputs; the
    /// price feed expects 1 + 4).
    error SignalCountMismatch(uint256 expected, uint256 actual);
    /// @dev The verifier did not return exactly `true` for the proof and signals.
    error InvalidProof();
}

/// @notice Option-series errors (OptionPriceFeed, MarginEngine).
interface IZkinferSeriesErrors {
    /// @dev No series has this id (at the engine: the engine's feed has none).
    error UnknownSeries(uint256 seriesId);
    /// @dev The series has expired: no more proven prices (it settles instead), no new positions.
    error SeriesExpired(uint256 seriesId, uint256 expiry);
    /// @dev The series has no proven price yet.
    error NoPrice(uint256 seriesId);
    /// @dev The series' proven price, observed at `observedAt`, is older than `maxAge`: the
    /// caller's `maxAge` at the feed (`priceNoOlderThan`), the risk parameter `maxPriceAge` at
    /// the engine (where the series cannot trade).
    error StalePrice(uint256 seriesId, uint256 observedAt, uint256 maxAge);
    /// @dev A risk parameter is out of its range (feed: a heartbeat is 0; engine: see its
    /// `RiskParams`).
    error InvalidRiskParams();
}
