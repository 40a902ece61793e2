// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title AggregatorV3Interface
/// @notice The read interface of a round-based price oracle, in the shape most DeFi code
/// already consumes (decimals, description, version, getRoundData, latestRoundData).
/// @dev `answer` is a fixed-point number with `decimals()` decimals. `startedAt` and
/// `updatedAt` are unix seconds. Consumers must check `answer > 0` and the age of
/// `updatedAt` themselves.
interface AggregatorV3Interface {
    /// @notice Number of decimals of `answer`.
    function decimals() external view returns (uint8);

    /// @notice Human-readable name of what is reported.
    function description() external view returns (string memory);

    /// @notice Version of the implementation behind this interface.
    function version() external view returns (uint256);

    /// @notice The data of round `roundId`.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice The data of the most recent round.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
