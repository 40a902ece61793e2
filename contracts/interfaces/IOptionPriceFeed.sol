// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IOptionPriceFeed
/// @notice What a consumer (the margin engine) needs from a proven option-price feed.
interface IOptionPriceFeed {
    /// @notice Everything the margin engine needs to value and trade one series, in one call.
    /// All amounts wad (18 decimals) in the strike's quote unit, per unit of underlying.
    /// @param price Latest stored price (clamped to the no-arbitrage bounds); 0 if never set.
    /// @param spot Spot proven with `price`.
    /// @param observedAt Unix seconds `price` refers to (0 if never set; expiry once settled).
    /// @param spotNow The spot oracle's latest answer in wad whatever its age (0 if <= 0): the
    /// conservative bound of a short call whose mark is missing.
    /// @param strike Strike.
    /// @param expiry Expiry, unix seconds (0: no such series).
    /// @param coveredUntil Last moment (exclusive) at which the model can price the series.
    /// @param spread At least the model's error band times the strike (rounded up).
    /// @param unitReserve Upper bound of what a long is worth at a proven mark: the strike for a
    /// put; strike × the model's largest moneyness for a call (rounded up).
    /// @param isCall Call or put.
    /// @param settled `price` is the final settlement price.
    /// @param current Proven, not settled, for both oracles' latest rounds, model active,
    /// sequencer usable.
    /// @param sequencerUp No sequencer feed, or the sequencer is up for longer than the grace period.
    /// @param usableSince When the sequencer's grace period after its last restart ended (or
    /// ends), unix seconds; 0 without a sequencer feed. Consumers measure ages from no earlier
    /// than this, so keepers get a full age window to prove after an outage.
    struct Mark {
        uint256 price;
        uint256 spot;
        uint256 observedAt;
        uint256 spotNow;
        uint256 strike;
        uint256 expiry;
        uint256 coveredUntil;
        uint256 spread;
        uint256 unitReserve;
        bool isCall;
        bool settled;
        bool current;
        bool sequencerUp;
        uint256 usableSince;
    }

    /// @notice One proven risk vector of a series (see OptionPriceFeed.submitRisk).
    /// @param group keccak256(abi.encode(gridHash, spotOracle, volOracle)): positions offset
    /// only within one group (same stress grid on the same oracles); 0: no risk vector.
    /// @param mark Wad per unit of underlying: the mark scenario's price (mark().price up to the
    /// feed's scenario rounding when current).
    /// @param delta dPrice/dSpot, wad (1e18 = 1): central difference of the proven network
    /// with the grid's step h, dP / (2·h·S), rounded toward zero.
    /// @param gamma d2Price/dSpot2, wad per unit of spot (1e18 = 1 per quote unit):
    /// d2P / (h·S)², rounded toward zero.
    /// @param scenarios Scenario prices, wad per unit of underlying, grid order (spot-major:
    /// index i · numVolShocks + j), the mark scenario included; each clamped into the
    /// no-arbitrage interval at its shocked moneyness (OptionPriceFeed: rounded down, by less
    /// than strike / 5e4 + 1 wei).
    /// @param observedAt The observation (spot round updatedAt) it was proven for.
    /// @param current Proven for the latest spot and vol rounds and it is the series' latest
    /// stored mark (same rule as Mark.current).
    struct Risk {
        bytes32 group;        // keccak256(abi.encode(gridHash, spotOracle, volOracle)); positions offset only within one group; 0: no risk vector
        uint256 mark;         // wad per unit of underlying: the mark scenario's price
        int256 delta;         // dPrice/dSpot, wad (1e18 = 1)
        int256 gamma;         // d2Price/dSpot2, wad per unit of spot (1e18 = 1 per quote unit)
        uint256[] scenarios;  // scenario prices, wad per unit of underlying, grid order (spot-major), the mark scenario included
        uint256 observedAt;   // the observation it was proven for
        bool current;         // proven for the latest spot and vol rounds and it is the series' latest stored mark (same rule as Mark.current)
    }
    /// @notice The series' latest risk vector (group 0 and empty scenarios if it has none).
    function risk(uint256 seriesId) external view returns (Risk memory);

    /// @notice The series' mark and terms (all zero for an unknown series).
    function mark(uint256 seriesId) external view returns (Mark memory);

    /// @notice What the margin engine reads to value an account, in one call and packed into
    /// words (no structs to encode): `mark(ids[i])` of every series and, if `withRisk`, what it
    /// needs of `risk(ids[i])`, the same values as the single reads at this block, each oracle
    /// and the sequencer feed read once per call. Layout of `data`:
    ///   data[0] = 1 if sequencerUp else 0;  data[1] = usableSince;
    ///   mark i at b = 2 + 4·i:
    ///     data[b]     = price | spot << 128
    ///     data[b + 1] = spotNow
    ///     data[b + 2] = strike | observedAt << 128 | expiry << 168 | coveredUntil << 208
    ///                   | isCall << 248 | settled << 249 | current << 250
    ///     data[b + 3] = spread | unitReserve << 128
    ///   then, if `withRisk`, one risk record per series in order, 4 + m words:
    ///     [observedAt | current << 40 | unit << 128, group, mark, m, scenarios[0 .. m)]
    /// `group` 0: no risk vector. `current`, `observedAt`, `group` as in `Risk`; `mark` and the
    /// `m` scenario prices (wad per unit, grid order) are given only for a current vector (else
    /// mark 0 and m = 0). Prices may be rounded down: each lies in (exact − unit, exact], `unit`
    /// in wad (0: exact); a consumer that needs an upper bound adds `unit`.
    function marksAndRisks(uint256[] calldata ids, bool withRisk) external view returns (uint256[] memory data);

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

    /// @notice Whether the latest proven (not settled) price of a series is for the spot AND
    /// volatility oracles' latest rounds, from an active model, with the sequencer usable.
    /// False before the first price, after settlement, and as soon as either oracle has a newer
    /// round.
    function isCurrent(uint256 seriesId) external view returns (bool);

    /// @notice Expiry (unix seconds) of a series, 0 if the series does not exist.
    function seriesExpiry(uint256 seriesId) external view returns (uint256);
}
