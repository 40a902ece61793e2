// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";
import {IOptionPriceFeed} from "./interfaces/IOptionPriceFeed.sol";
import {Groth16Call} from "./libraries/Groth16Call.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {OptionSeriesAggregator} from "./OptionSeriesAggregator.sol";

/// @title OptionPriceFeed
/// @notice A feed of option prices proven by a registered model (Groth16), per option series.
///
/// Public-signal layout of an option model (1 output, 4 inputs, all wad = 18-decimal
/// unsigned integers, in this order):
///
///     index 0  priceOverStrike  option price / strike            (output)
///     index 1  moneyness        spot / strike
///     index 2  timeToExpiry     (expiry - observedAt) / 365 days, in years
///     index 3  volatility       annualised implied volatility (0.8 = 80%)
///     index 4  rate             continuously compounded risk-free rate per year
///
/// The statement is exactly the oracle state: the prover has no choice. A submission is
/// accepted only if
/// * `block.timestamp < expiry` (no price is proven for an expired series: it settles);
/// * the series' model is registered and active, the signals are in the field and within
///   the model's declared input ranges (checked by the registry);
/// * `observedAt > ` the series' last accepted `observedAt` (replay protection: at most one
///   price per spot-oracle round; a Groth16 proof is malleable, so its bytes can never serve
///   as a nonce) and `observedAt == updatedAt` of the spot oracle's LATEST round
///   (`latestRoundData`; answer > 0, `updatedAt` not in the future and not older than
///   `spotHeartbeat`);
/// * `moneyness == floor(spotWad · 1e18 / strike)` EXACTLY, `spotWad` being that round's answer
///   scaled to wad (rounded down above 18 decimals);
/// * `timeToExpiry == floor((expiry - observedAt) · 1e18 / 365 days)` EXACTLY. One second of
///   `observedAt` changes this value by 1e18 / 31,536,000 ≈ 3.17e10, so a proof is bound to
///   one `observedAt`;
/// * `volatility ==` the volatility oracle's latest answer scaled to wad, EXACTLY (an
///   AggregatorV3-shaped oracle per series, because implied volatility depends on strike and
///   expiry; answer > 0 and not older than `volHeartbeat`);
/// * `rate ==` the governance-set rate of the series, EXACTLY;
/// * the price respects the no-arbitrage upper bound: a call is worth at most the spot
///   (`priceOverStrike <= moneyness`), a put at most the strike (`priceOverStrike <= 1e18`);
/// * the verifier returns exactly `true` for the proof and the five signals.
///
/// Proofs must therefore be made for the oracles' latest rounds (`expectedInputs` returns
/// the statement of now). If the spot or volatility oracle updates before the submission is
/// included, it reverts (`ObservationNotLatestRound`, `VolatilityMismatch`) and the prover
/// proves again (proving takes well under a second). Once the oracle state leaves the model's
/// declared input ranges, no price can be proven (the circuit and the registry refuse such
/// inputs); the series' last price then stops being current at the next spot round, and the
/// margin engine blocks trading and liquidation in it until a provable state returns (or,
/// after expiry, until settlement).
///
/// Stored price = `priceOverStrike · strike / 1e18` (rounded down), wad per unit of
/// underlying, with the oracle spot (wad) it was proven for. Only the latest observation is
/// stored; every accepted one is in the `PriceSubmitted` event log. Round ids are the
/// observation timestamps (`observedAt`): strictly increasing per series, not consecutive.
/// `isCurrent` tells whether the stored price is for the spot oracle's latest round.
///
/// Submission is permissionless: whoever holds a valid proof for the true statement may
/// post it.
///
/// Settlement: once a series has expired, anyone may `settle(seriesId, roundId)` at its
/// intrinsic value (call: max(S − K, 0), put: max(K − S, 0), wad per unit) using the FIRST
/// spot-oracle round at or after expiry: `getRoundData(roundId).updatedAt >= expiry` and
/// `getRoundData(roundId - 1).updatedAt < expiry`. This assumes the spot oracle's round ids
/// are sequential (consecutive integers, as in one aggregator phase); across a phase change
/// of a proxy the previous id does not exist and that round cannot be used. The settled
/// observation is final (`observedAt = expiry`, `settled = true`): it never goes stale.
contract OptionPriceFeed is IOptionPriceFeed, Ownable2Step {
    /// @notice Per-series parameters of the submission checks.
    /// @param spotHeartbeat Largest accepted age of the spot oracle's latest `updatedAt` (seconds).
    /// @param volHeartbeat Largest accepted age of the volatility oracle's `updatedAt` (seconds).
    /// @param rate The series' risk-free rate, wad per year, continuously compounded; the
    /// rate signal must equal it.
    struct RiskParams {
        uint24 spotHeartbeat;
        uint24 volHeartbeat;
        uint64 rate;
    }

    /// @notice What governance provides to create a series.
    /// @param spotOracle Spot of the underlying in the strike's quote unit (any decimals <= 36).
    /// @param volOracle Implied volatility of this series, annualised (any decimals <= 36).
    /// @param strike Strike, wad (quote per unit of underlying), 0 < strike <= type(uint96).max.
    /// @param expiry Expiry, unix seconds, in the future.
    /// @param isCall True for a call, false for a put.
    /// @param modelId Registered model with the option layout (1 output, 4 inputs, all wad).
    struct SeriesParams {
        AggregatorV3Interface spotOracle;
        AggregatorV3Interface volOracle;
        uint128 strike;
        uint40 expiry;
        bool isCall;
        uint256 modelId;
        RiskParams risk;
    }

    /// @dev Four storage slots, all read by `submit`.
    struct Series {
        // slot 0: 20 + 5 + 3 + 1 + 1 = 30 bytes
        AggregatorV3Interface spotOracle;
        uint40 expiry;
        uint24 spotHeartbeat;
        uint8 spotDecimals;
        bool isCall;
        // slot 1: 20 + 3 + 1 + 8 = 32 bytes
        AggregatorV3Interface volOracle;
        uint24 volHeartbeat;
        uint8 volDecimals;
        uint64 rate;
        // slot 2
        uint128 strike;
        // slot 3
        uint256 modelId;
    }

    /// @dev The latest accepted observation of a series, one slot (12 + 12 + 5 + 1 + 1 bytes).
    /// `initialized` is set when the series is created, so that the first submission
    /// rewrites a non-zero slot and costs the same as every later one. `settled` marks the
    /// final settlement observation.
    struct Observation {
        uint96 price;
        uint96 spot;
        uint40 observedAt;
        bool initialized;
        bool settled;
    }

    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;
    /// @notice Number of public signals of an option model (1 output + 4 inputs).
    uint256 public constant NUM_SIGNALS = 5;
    uint256 internal constant I_PRICE_OVER_STRIKE = 0;
    uint256 internal constant I_MONEYNESS = 1;
    uint256 internal constant I_TIME_TO_EXPIRY = 2;
    uint256 internal constant I_VOLATILITY = 3;
    uint256 internal constant I_RATE = 4;

    /// @notice The model registry consulted on every submission.
    ModelRegistry public immutable registry;

    /// @notice Number of series created; series ids are 1..seriesCount.
    uint256 public seriesCount;
    mapping(uint256 seriesId => Series) internal _series;
    mapping(uint256 seriesId => Observation) internal _latest;
    /// @notice The AggregatorV3Interface adapter deployed for each series.
    mapping(uint256 seriesId => address) public aggregatorOf;

    /// @notice A series was created.
    event SeriesCreated(
        uint256 indexed seriesId,
        uint256 indexed modelId,
        address spotOracle,
        address volOracle,
        uint256 strike,
        uint256 expiry,
        bool isCall,
        address aggregator
    );
    /// @notice A series' risk parameters were set (also emitted at creation).
    event SeriesRiskParamsSet(uint256 indexed seriesId, RiskParams risk);
    /// @notice A series' oracles were replaced.
    event SeriesOraclesSet(uint256 indexed seriesId, address spotOracle, address volOracle);
    /// @notice A series now accepts proofs of another model.
    event SeriesModelSet(uint256 indexed seriesId, uint256 indexed modelId);
    /// @notice A proven price was accepted (`observedAt` is also the round id).
    event PriceSubmitted(
        uint256 indexed seriesId, uint256 indexed observedAt, uint256 price, uint256 spot, address submitter
    );

    /// @notice An expired series was settled at its intrinsic value (`spot` from the oracle's
    /// round `roundId`, updated at `spotUpdatedAt`).
    event SeriesSettled(
        uint256 indexed seriesId, uint256 price, uint256 spot, uint256 roundId, uint256 spotUpdatedAt, address settler
    );

    /// @dev The series has not expired yet.
    error NotExpired(uint256 seriesId, uint256 expiry);
    /// @dev The series is already settled.
    error AlreadySettled(uint256 seriesId);
    /// @dev The settlement round was updated before expiry.
    error SettlementSpotBeforeExpiry(uint256 updatedAt, uint256 expiry);
    /// @dev The settlement round is not the first at or after expiry: its predecessor
    /// (`roundId - 1`) was updated at or after expiry too.
    error SettlementRoundNotFirst(uint256 roundId, uint256 previousUpdatedAt, uint256 expiry);
    /// @dev The series has expired: no more proven prices (it settles instead).
    error SeriesExpired(uint256 seriesId, uint256 expiry);
    /// @dev The model's declared range of input `inputIndex` (0 moneyness, 1 timeToExpiry)
    /// does not contain `value` (at the money: 1e18; the series' current time to expiry).
    error ModelDoesNotCoverSeries(uint256 modelId, uint256 inputIndex, uint256 value, uint256 min, uint256 max);
    /// @dev No series has this id.
    error UnknownSeries(uint256 seriesId);
    /// @dev An oracle address has no contract code.
    error OracleHasNoCode(address oracle);
    /// @dev An oracle reports more than 36 decimals.
    error OracleDecimalsTooLarge(address oracle, uint8 decimals);
    /// @dev Strike is 0 or above type(uint96).max.
    error InvalidStrike(uint256 strike);
    /// @dev Expiry is not in the future at creation.
    error InvalidExpiry(uint256 expiry);
    /// @dev A heartbeat is 0.
    error InvalidRiskParams();
    /// @dev The model is retired or its layout is not 1 output + 4 inputs, all with 18 decimals.
    error ModelLayoutMismatch(uint256 modelId);
    /// @dev The number of public signals is not 5.
    error SignalCountMismatch(uint256 expected, uint256 actual);
    /// @dev `observedAt` is not the `updatedAt` of the spot oracle's latest round.
    error ObservationNotLatestRound(uint256 observedAt, uint256 latestUpdatedAt);
    /// @dev `observedAt` is at or after the series' expiry.
    error ObservationNotBeforeExpiry(uint256 observedAt, uint256 expiry);
    /// @dev `observedAt` is not strictly later than the last accepted observation (replay).
    error ObservationNotNewer(uint256 observedAt, uint256 lastObservedAt);
    /// @dev The timeToExpiry signal is not floor((expiry - observedAt) · 1e18 / 365 days).
    error TimeToExpiryMismatch(uint256 expected, uint256 actual);
    /// @dev The proven price exceeds its no-arbitrage bound (spot for a call, strike for a put).
    error PriceAboveBound(uint256 priceOverStrike, uint256 bound);
    /// @dev An oracle answered a value <= 0.
    error InvalidOracleAnswer(address oracle, int256 answer);
    /// @dev An oracle's `updatedAt` is in the future or older than its heartbeat.
    error StaleOracle(address oracle, uint256 updatedAt, uint256 heartbeat);
    /// @dev The moneyness signal is not floor(oracle spot · 1e18 / strike).
    error MoneynessMismatch(uint256 expected, uint256 actual);
    /// @dev The volatility signal is not the volatility oracle's latest answer (wad).
    error VolatilityMismatch(uint256 expected, uint256 actual);
    /// @dev The rate signal is not the series' rate.
    error RateMismatch(uint256 expected, uint256 actual);
    /// @dev The verifier did not return exactly `true`.
    error InvalidProof();
    /// @dev Price or spot does not fit in 96 bits (above ~7.9e10 units of quote).
    error ObservationOverflow(uint256 price, uint256 spot);
    /// @dev The series has no accepted price yet.
    error NoPrice(uint256 seriesId);
    /// @dev The latest price is older than the caller's `maxAge`.
    error StalePrice(uint256 seriesId, uint256 observedAt, uint256 maxAge);

    constructor(address initialOwner, ModelRegistry registry_) Ownable(initialOwner) {
        registry = registry_;
    }

    // ---------------------------------------------------------------- governance

    /// @notice Create a series and deploy its AggregatorV3Interface adapter.
    /// @return seriesId The new series id (1-based).
    function createSeries(SeriesParams calldata p) external onlyOwner returns (uint256 seriesId) {
        if (p.strike == 0 || p.strike > type(uint96).max) revert InvalidStrike(p.strike);
        if (p.expiry <= block.timestamp) revert InvalidExpiry(p.expiry);
        _checkModel(p.modelId, p.expiry);
        _checkRisk(p.risk);
        seriesId = ++seriesCount;
        Series storage s = _series[seriesId];
        s.strike = p.strike;
        s.expiry = p.expiry;
        s.isCall = p.isCall;
        s.modelId = p.modelId;
        _setOracles(s, p.spotOracle, p.volOracle);
        _setRisk(s, p.risk);
        _latest[seriesId].initialized = true;
        address aggregator = address(new OptionSeriesAggregator(this, seriesId));
        aggregatorOf[seriesId] = aggregator;
        emit SeriesCreated(
            seriesId,
            p.modelId,
            address(p.spotOracle),
            address(p.volOracle),
            p.strike,
            p.expiry,
            p.isCall,
            aggregator
        );
        emit SeriesRiskParamsSet(seriesId, p.risk);
    }

    /// @notice Replace a series' submission parameters (heartbeats, rate).
    function setRiskParams(uint256 seriesId, RiskParams calldata risk) external onlyOwner {
        Series storage s = _existing(seriesId);
        _checkRisk(risk);
        _setRisk(s, risk);
        emit SeriesRiskParamsSet(seriesId, risk);
    }

    /// @notice Replace a series' spot and volatility oracles (decimals are read again).
    function setOracles(uint256 seriesId, AggregatorV3Interface spotOracle, AggregatorV3Interface volOracle)
        external
        onlyOwner
    {
        _setOracles(_existing(seriesId), spotOracle, volOracle);
        emit SeriesOraclesSet(seriesId, address(spotOracle), address(volOracle));
    }

    /// @notice Let a series accept proofs of another (active, option-layout) model, e.g. a
    /// retrained one. The ordering of `observedAt` carries over, so old proofs stay stale.
    /// Like `createSeries`, requires the model's ranges to contain moneyness 1e18 and the
    /// series' current time to expiry (reverts once the series has expired).
    function setSeriesModel(uint256 seriesId, uint256 modelId) external onlyOwner {
        Series storage s = _existing(seriesId);
        _checkModel(modelId, s.expiry);
        s.modelId = modelId;
        emit SeriesModelSet(seriesId, modelId);
    }

    // ---------------------------------------------------------------- submission

    /// @notice Submit a proven price for `seriesId` for the oracles' latest state (see the
    /// contract NatSpec): the proof must be made for the spot oracle's latest round; if the
    /// oracle updates before inclusion, this reverts and the prover proves again.
    /// @param seriesId The series.
    /// @param observedAt `updatedAt` of the spot oracle's latest round (bound to the proof by
    /// timeToExpiry).
    /// @param a Proof point A (G1).
    /// @param b Proof point B (G2, coordinates in precompile order).
    /// @param c Proof point C (G1).
    /// @param publicSignals `[priceOverStrike, moneyness, timeToExpiry, volatility, rate]`, wad.
    /// @return price The stored price, wad per unit of underlying (rounded down).
    function submit(
        uint256 seriesId,
        uint256 observedAt,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata publicSignals
    ) external returns (uint256) {
        Series memory s = _series[seriesId];
        if (address(s.spotOracle) == address(0)) revert UnknownSeries(seriesId);
        if (block.timestamp >= s.expiry) revert SeriesExpired(seriesId, s.expiry);
        if (publicSignals.length != NUM_SIGNALS) revert SignalCountMismatch(NUM_SIGNALS, publicSignals.length);
        {
            uint256 lastObservedAt = _latest[seriesId].observedAt;
            if (observedAt <= lastObservedAt) revert ObservationNotNewer(observedAt, lastObservedAt);
        }
        // Model facts: active, field, declared input ranges (inputs are then < 2^128).
        (address verifier, bytes4 selector) = registry.checkSignals(s.modelId, publicSignals);
        Observation memory o = _checkStatement(s, observedAt, publicSignals);
        if (!Groth16Call.verify(verifier, selector, a, b, c, publicSignals)) revert InvalidProof();
        o.initialized = true;
        _record(seriesId, o);
        return o.price;
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Settle an expired series at its intrinsic value, with the spot of `roundId`:
    /// the first spot-oracle round updated at or after expiry (see the contract NatSpec;
    /// round ids are assumed sequential).
    /// @return price Settlement price, wad per unit of underlying (exact: no rounding).
    function settle(uint256 seriesId, uint80 roundId) external returns (uint256 price) {
        Series storage s = _existing(seriesId);
        uint256 expiry = s.expiry;
        if (block.timestamp < expiry) revert NotExpired(seriesId, expiry);
        if (_latest[seriesId].settled) revert AlreadySettled(seriesId);
        AggregatorV3Interface oracle = s.spotOracle;
        (, int256 answer,, uint256 updatedAt,) = oracle.getRoundData(roundId);
        if (answer <= 0) revert InvalidOracleAnswer(address(oracle), answer);
        if (updatedAt < expiry) revert SettlementSpotBeforeExpiry(updatedAt, expiry);
        if (updatedAt > block.timestamp) revert StaleOracle(address(oracle), updatedAt, 0);
        if (roundId != 0) {
            (,,, uint256 previousUpdatedAt,) = oracle.getRoundData(roundId - 1);
            if (previousUpdatedAt >= expiry) revert SettlementRoundNotFirst(roundId, previousUpdatedAt, expiry);
        }
        uint256 spot = _toWad(uint256(answer), s.spotDecimals);
        uint256 strike = s.strike;
        if (s.isCall) price = spot > strike ? spot - strike : 0;
        else price = strike > spot ? strike - spot : 0;
        if (price > type(uint96).max || spot > type(uint96).max) revert ObservationOverflow(price, spot);
        _latest[seriesId] = Observation({
            price: uint96(price),
            spot: uint96(spot),
            observedAt: uint40(expiry),
            initialized: true,
            settled: true
        });
        emit SeriesSettled(seriesId, price, spot, roundId, updatedAt, msg.sender);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IOptionPriceFeed
    function latestObservation(uint256 seriesId)
        external
        view
        returns (uint256 price, uint256 spot, uint256 observedAt, uint256 roundId, bool settled)
    {
        Observation memory o = _latest[seriesId];
        return (o.price, o.spot, o.observedAt, o.observedAt, o.settled);
    }

    /// @inheritdoc IOptionPriceFeed
    /// @dev True iff a proven (not settled) price exists and its `observedAt` equals the
    /// `updatedAt` of the spot oracle's latest round. Does not check the oracle's heartbeat
    /// or the price's age (consumers bound the age themselves).
    function isCurrent(uint256 seriesId) external view returns (bool) {
        Observation memory o = _latest[seriesId];
        if (o.observedAt == 0 || o.settled) return false;
        (,,, uint256 updatedAt,) = _series[seriesId].spotOracle.latestRoundData();
        return updatedAt == o.observedAt;
    }

    /// @notice The latest price if it is at most `maxAge` seconds old (or final: settled);
    /// reverts otherwise.
    /// @return price Wad per unit of underlying.
    /// @return observedAt Unix seconds the price refers to.
    function priceNoOlderThan(uint256 seriesId, uint256 maxAge)
        external
        view
        returns (uint256 price, uint256 observedAt)
    {
        Observation memory o = _latest[seriesId];
        if (o.observedAt == 0) revert NoPrice(seriesId);
        if (!o.settled && block.timestamp - o.observedAt > maxAge) revert StalePrice(seriesId, o.observedAt, maxAge);
        return (o.price, o.observedAt);
    }

    /// @inheritdoc IOptionPriceFeed
    function seriesExpiry(uint256 seriesId) external view returns (uint256) {
        return _series[seriesId].expiry;
    }

    /// @notice The stored facts of a series.
    function getSeries(uint256 seriesId) external view returns (Series memory) {
        Series memory s = _series[seriesId];
        if (address(s.spotOracle) == address(0)) revert UnknownSeries(seriesId);
        return s;
    }

    /// @notice The timeToExpiry signal a proof must carry for `observedAt`:
    /// floor((expiry - observedAt) · 1e18 / 365 days); reverts if observedAt >= expiry.
    function expectedTimeToExpiry(uint256 seriesId, uint256 observedAt) external view returns (uint256) {
        Series storage s = _existing(seriesId);
        if (observedAt >= s.expiry) revert ObservationNotBeforeExpiry(observedAt, s.expiry);
        return ((uint256(s.expiry) - observedAt) * WAD) / YEAR;
    }

    /// @notice The only statement `submit` accepts now (oracles' latest rounds, checked as in
    /// `submit`): `observedAt` and the four model inputs, wad. Reverts like `submit` on a
    /// stale or non-positive oracle answer or an expired series.
    function expectedInputs(uint256 seriesId)
        external
        view
        returns (uint256 observedAt, uint256 moneyness, uint256 timeToExpiry, uint256 volatility, uint256 rate)
    {
        Series memory s = _existing(seriesId);
        if (block.timestamp >= s.expiry) revert SeriesExpired(seriesId, s.expiry);
        uint256 spot;
        (spot, observedAt) = _readOracle(s.spotOracle, s.spotDecimals, s.spotHeartbeat);
        moneyness = (spot * WAD) / s.strike;
        timeToExpiry = ((uint256(s.expiry) - observedAt) * WAD) / YEAR;
        (volatility,) = _readOracle(s.volOracle, s.volDecimals, s.volHeartbeat);
        rate = s.rate;
    }

    // ---------------------------------------------------------------- internal

    function _record(uint256 seriesId, Observation memory o) internal {
        _latest[seriesId] = o;
        emit PriceSubmitted(seriesId, o.observedAt, o.price, o.spot, msg.sender);
    }

    /// @dev The statement must be exactly the oracle state (see the contract NatSpec). Inputs
    /// are already within the model's uint128 ranges; `block.timestamp < expiry` was checked.
    /// Returns price (rounded down) and the oracle spot.
    function _checkStatement(Series memory s, uint256 observedAt, uint256[] calldata signals)
        internal
        view
        returns (Observation memory o)
    {
        (uint256 spot, uint256 updatedAt) = _readOracle(s.spotOracle, s.spotDecimals, s.spotHeartbeat);
        if (observedAt != updatedAt) revert ObservationNotLatestRound(observedAt, updatedAt);
        // updatedAt <= block.timestamp < expiry: no underflow.
        {
            uint256 expectedTtm = ((uint256(s.expiry) - observedAt) * WAD) / YEAR;
            if (signals[I_TIME_TO_EXPIRY] != expectedTtm) {
                revert TimeToExpiryMismatch(expectedTtm, signals[I_TIME_TO_EXPIRY]);
            }
        }
        uint256 moneyness = signals[I_MONEYNESS];
        {
            uint256 expectedMoneyness = (spot * WAD) / s.strike;
            if (moneyness != expectedMoneyness) revert MoneynessMismatch(expectedMoneyness, moneyness);
        }
        {
            (uint256 vol,) = _readOracle(s.volOracle, s.volDecimals, s.volHeartbeat);
            if (signals[I_VOLATILITY] != vol) revert VolatilityMismatch(vol, signals[I_VOLATILITY]);
        }
        if (signals[I_RATE] != s.rate) revert RateMismatch(s.rate, signals[I_RATE]);
        uint256 priceOverStrike = signals[I_PRICE_OVER_STRIKE];
        {
            uint256 bound = s.isCall ? moneyness : WAD;
            if (priceOverStrike > bound) revert PriceAboveBound(priceOverStrike, bound);
        }
        // priceOverStrike <= max(moneyness, 1e18) < 2^128 and strike < 2^96: no overflow.
        uint256 price = (priceOverStrike * s.strike) / WAD;
        if (price > type(uint96).max || spot > type(uint96).max) revert ObservationOverflow(price, spot);
        o.price = uint96(price);
        o.spot = uint96(spot);
        o.observedAt = uint40(observedAt);
    }

    function _existing(uint256 seriesId) internal view returns (Series storage s) {
        s = _series[seriesId];
        if (address(s.spotOracle) == address(0)) revert UnknownSeries(seriesId);
    }

    /// @dev Option layout (1 output + 4 inputs, 18 decimals, active) and coverage of the
    /// series: moneyness range contains 1e18 (at the money), timeToExpiry range contains the
    /// series' current time to expiry.
    function _checkModel(uint256 modelId, uint256 expiry) internal view {
        ModelRegistry.ModelInfo memory m = registry.getModel(modelId);
        bool ok = !m.retired && m.numOutputs == 1 && m.numInputs == NUM_SIGNALS - 1 && m.outputDecimals == 18;
        for (uint256 i; ok && i < m.inputs.length; ++i) {
            ok = m.inputs[i].decimals == 18;
        }
        if (!ok) revert ModelLayoutMismatch(modelId);
        _checkCovers(modelId, m, I_MONEYNESS - 1, WAD);
        uint256 ttm = expiry > block.timestamp ? ((expiry - block.timestamp) * WAD) / YEAR : 0;
        _checkCovers(modelId, m, I_TIME_TO_EXPIRY - 1, ttm);
    }

    function _checkCovers(uint256 modelId, ModelRegistry.ModelInfo memory m, uint256 i, uint256 value) internal pure {
        uint256 min = m.inputs[i].min;
        uint256 max = m.inputs[i].max;
        if (value < min || value > max) revert ModelDoesNotCoverSeries(modelId, i, value, min, max);
    }

    function _checkRisk(RiskParams calldata r) internal pure {
        if (r.spotHeartbeat == 0 || r.volHeartbeat == 0) revert InvalidRiskParams();
    }

    function _setRisk(Series storage s, RiskParams calldata r) internal {
        s.spotHeartbeat = r.spotHeartbeat;
        s.volHeartbeat = r.volHeartbeat;
        s.rate = r.rate;
    }

    function _setOracles(Series storage s, AggregatorV3Interface spotOracle, AggregatorV3Interface volOracle)
        internal
    {
        s.spotDecimals = _oracleDecimals(spotOracle);
        s.volDecimals = _oracleDecimals(volOracle);
        s.spotOracle = spotOracle;
        s.volOracle = volOracle;
    }

    function _oracleDecimals(AggregatorV3Interface oracle) internal view returns (uint8 d) {
        if (address(oracle).code.length == 0) revert OracleHasNoCode(address(oracle));
        d = oracle.decimals();
        if (d > 36) revert OracleDecimalsTooLarge(address(oracle), d);
    }

    /// @dev The oracle's latest answer scaled to wad (rounded down when it has more than 18
    /// decimals) and its `updatedAt`; reverts unless answer > 0 and 0 <= now - updatedAt <= heartbeat.
    function _readOracle(AggregatorV3Interface oracle, uint8 decimals, uint256 heartbeat)
        internal
        view
        returns (uint256, uint256 updatedAt)
    {
        int256 answer;
        (, answer,, updatedAt,) = oracle.latestRoundData();
        if (answer <= 0) revert InvalidOracleAnswer(address(oracle), answer);
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > heartbeat) {
            revert StaleOracle(address(oracle), updatedAt, heartbeat);
        }
        return (_toWad(uint256(answer), decimals), updatedAt);
    }

    function _toWad(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        if (decimals <= 18) return answer * 10 ** (18 - decimals);
        return answer / 10 ** (decimals - 18);
    }
}
