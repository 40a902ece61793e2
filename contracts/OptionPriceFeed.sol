// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {AggregatorV3Interface} from "./interfaces/AggregatorV3Interface.sol";
import {IOptionPriceFeed} from "./interfaces/IOptionPriceFeed.sol";
import {IZkinferProofErrors, IZkinferSeriesErrors} from "./interfaces/IZkinferErrors.sol";
import {Groth16Call} from "./libraries/Groth16Call.sol";
import {RiskRecords} from "./libraries/RiskRecords.sol";
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
/// * the verifier returns exactly `true` for the proof and the five signals;
/// * on an L2 with a sequencer-uptime feed: the sequencer is up and has been for more than
///   the grace period (Chainlink's consumer rule; `SequencerDown`, `SequencerGracePeriod`).
///
/// Replay and currency key: the pair (spot round, volatility round). A submission is newer
/// when `observedAt` (the spot round's `updatedAt`) is later than the stored one, or equal to
/// it with another volatility round id than the stored one (a new volatility round can be
/// proven for the same spot round). One exception: `submitRisk` is accepted for the round of a
/// stored price-only mark (`submit`) when its mark, clamped and stored the same way, equals that
/// price (`RiskMarkMismatch` otherwise): a price-only proof posted first cannot keep a round
/// without its risk vector, and a round never has two marks. At most one risk vector per round. `isCurrent` is true only while BOTH oracles' latest
/// rounds are the ones the stored price was proven for, the model is active and the
/// sequencer (if any) is usable.
///
/// No-arbitrage bounds (CLAMP, not reject, so that a model's error never freezes a series):
/// the stored price is the proven `priceOverStrike` clamped into
///     call: [max(m − D⁺, 0), m]        put: [max(D⁻ − m, 0), 1]      (fractions of K)
/// with m = moneyness and D⁻ <= e^{−rτ} <= D⁺ provable polynomial bounds, x = rate·τ:
/// D⁻ = max(1 − x, 0), D⁺ = 1 − x + x²/2 (e^{−x} >= 1 − x for all x; e^{−x} <= 1 − x + x²/2
/// for x >= 0). Both bounds are rounded in the direction that keeps them valid (D⁻ down, D⁺
/// up). The true price lies in this interval, so clamping never moves the mark away from
/// it. `PriceSubmitted` tells whether the proven value was clamped.
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
/// Coverage: the model's timeToExpiry range [τmin, τmax] must contain the series' time to
/// expiry at creation; prices can then be proven until `coveredUntil = expiry − ⌈τmin·365
/// days⌉`, and from then to expiry the engine values the series conservatively (see
/// `MarginEngine`).
///
/// Stored price = `clamp(priceOverStrike) · strike / 1e18` (rounded down), wad per unit of
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
/// VALID spot-oracle round at or after expiry: round `roundId` has an answer > 0 and
/// `expiry <= updatedAt <= now`, and every earlier round updated at or after expiry (at most
/// `MAX_SETTLEMENT_SKIP` of them, walking back from `roundId − 1` until a round updated before
/// expiry) is invalid (answer <= 0 or updated in the future). This assumes the spot oracle's round ids
/// are sequential (consecutive integers, as in one aggregator phase); across a phase change
/// of a proxy the previous id does not exist and that round cannot be used. The settled
/// observation is final (`observedAt = expiry`, `settled = true`): it never goes stale.
contract OptionPriceFeed is IOptionPriceFeed, IZkinferProofErrors, IZkinferSeriesErrors, Ownable2Step {
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

    /// @dev Five storage slots: `submit` reads all five, `mark` and `marksAndRisks` slots 1 and
    /// 2, and the spot oracle's word (`_spots.at[spotIndex]`, one per distinct spot oracle: read
    /// once for all the series on it). `bandE5`: the model's error band (registry `errorBand`)
    /// in units of 1e-5 of the strike, rounded UP. `reserveMoneynessBps`: the model's largest
    /// provable moneyness in bps, rounded up (a call's proven mark is at most spot <= strike ·
    /// that). `lastVolRound`: the volatility round id of the stored price. `coveredUntil`: see
    /// the contract NatSpec. `modelIndex`: the feed's 1-based index of `modelId` (`_models.at`).
    /// `numScenarios`, `markScenario`: the model's risk grid (0 without a risk circuit), the
    /// layout of a current risk vector.
    struct Series {
        // slot 0: 20 + 1 + 3 + 3 + 1 = 28 bytes
        AggregatorV3Interface spotOracle;
        uint8 spotDecimals;
        uint24 spotHeartbeat;
        uint24 volHeartbeat;
        uint8 volDecimals;
        // slot 1: 20 + 10 + 2 = 32 bytes
        AggregatorV3Interface volOracle;
        uint80 lastVolRound;
        uint16 spotIndex;
        // slot 2: 12 + 4 + 4 + 4 + 2 + 1 + 1 + 1 + 3 = 32 bytes
        uint96 strike;
        uint32 expiry;
        uint32 coveredUntil;
        uint32 reserveMoneynessBps;
        uint16 bandE5;
        bool isCall;
        uint8 numScenarios;
        uint8 markScenario;
        uint24 modelIndex;
        // slot 3
        uint256 modelId;
        // slot 4
        uint64 rate;
    }

    /// @dev The latest accepted observation of a series, one slot (12 + 12 + 5 + 1 + 1 + 1 bytes).
    /// `initialized` is set when the series is created, so that the first submission
    /// rewrites a non-zero slot and costs the same as every later one. `settled` marks the
    /// final settlement observation. `hasRisk`: this observation was stored by `submitRisk`
    /// (its risk vector is the series' `_risk` record); `submit` and `settle` clear it.
    struct Observation {
        uint96 price;
        uint96 spot;
        uint40 observedAt;
        bool initialized;
        bool settled;
        bool hasRisk;
    }

    /// @dev The latest proven risk vector of a series (`submitRisk`): one slot with its grid's
    /// `numScenarios` and `markScenario`, plus the scenario words (`_riskScenarios`). Δ and Γ
    /// wad (see `IOptionPriceFeed.Risk`). Its group is not stored:
    /// it is `_groupOf` the series' model and oracles, which cannot change under a current
    /// vector (`setSeriesModel` and `setOracles` make it not current).
    struct RiskRecord {
        int96 delta;
        int96 gamma;
        uint40 observedAt;
        uint8 numScenarios;
        uint8 markScenario;
    }

    /// @dev Keys (spot-oracle words, model ids) interned to 1-based indices: `at[i]` the key of
    /// index i, `indexOf[key]` its index (0: none yet), `count` the keys so far.
    struct Index {
        mapping(uint256 index => uint256 key) at;
        mapping(uint256 key => uint256 index) indexOf;
        uint256 count;
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
    /// @notice Most invalid rounds `settle` walks past to prove its round is the first valid one.
    uint256 public constant MAX_SETTLEMENT_SKIP = 16;
    /// @notice Largest storable error band: 65,535e-5 of the strike.
    uint256 public constant MAX_BAND = 65_535e13;
    /// @notice Stored scenario precision: priceOverStrike (wad) per unit of a scenario lane (2e-5).
    uint256 public constant SCENARIO_UNIT = RiskRecords.SCENARIO_UNIT;
    uint256 internal constant SCENARIO_DIVISOR = RiskRecords.SCENARIO_DIVISOR;
    uint256 internal constant LANES_PER_WORD = RiskRecords.LANES_PER_WORD;

    /// @notice The model registry consulted on every submission.
    ModelRegistry public immutable registry;
    /// @notice Chainlink L2 sequencer-uptime feed (answer 0 = up, 1 = down; `startedAt` = time
    /// of the last status change), or address(0) on a chain without a sequencer.
    AggregatorV3Interface public immutable sequencerUptimeFeed;
    /// @notice Seconds after the sequencer comes back up during which no mark is current and
    /// no settlement is accepted.
    uint256 public immutable sequencerGracePeriod;

    /// @notice Number of series created; series ids are 1..seriesCount.
    uint256 public seriesCount;
    mapping(uint256 seriesId => Series) internal _series;
    mapping(uint256 seriesId => Observation) internal _latest;
    mapping(uint256 seriesId => RiskRecord) internal _risk;
    /// @dev Scenario prices of `_risk` in 17-bit lanes, 15 per word: scenario t in word t / 15 at
    /// bits 17 · (t % 15), its clamped priceOverStrike in units of 2e-5 of the strike, rounded
    /// down (`SCENARIO_UNIT`; the true value is in [lane, lane + 1) units). 15 scenarios: 1 word;
    /// at most 32 (the feed's limit): 3.
    mapping(uint256 seriesId => uint256[3]) internal _riskScenarios;
    /// @dev The risk grid hash (registry `RiskCircuit.gridHash`) of each model whose risk circuit
    /// a series was created or proven with: the first part of a risk group (`_groupOf`).
    mapping(uint256 modelId => bytes32) internal _gridHashOf;
    /// @dev Spot oracles by `Series.spotIndex` (1-based) as `oracle | decimals << 160`, and each
    /// such word's index (0: none yet).
    Index internal _spots;
    /// @dev Models by `Series.modelIndex` (1-based), and each model's index (0: none yet).
    Index internal _models;
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
    /// `volRoundId` is the volatility round it was proven for; `clamped` tells whether the
    /// proven priceOverStrike was moved into the no-arbitrage bounds.
    event PriceSubmitted(
        uint256 indexed seriesId,
        uint256 indexed observedAt,
        uint256 price,
        uint256 spot,
        uint256 volRoundId,
        bool clamped,
        address submitter
    );

    /// @notice A proven risk vector was accepted with its mark (also in `PriceSubmitted`).
    /// `delta` and `gamma` wad as in `risk`; `group` the offsetting group.
    event RiskSubmitted(
        uint256 indexed seriesId, uint256 indexed observedAt, uint256 price, int256 delta, int256 gamma, bytes32 group
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
    /// @dev The settlement round is not the first VALID one at or after expiry: round
    /// `previousRoundId` (updated at `previousUpdatedAt >= expiry`) is valid too.
    error SettlementRoundNotFirst(uint256 roundId, uint256 previousRoundId, uint256 previousUpdatedAt);
    /// @dev The model's declared range of input `inputIndex` (0 moneyness, 1 timeToExpiry)
    /// does not contain `value` (at the money: 1e18; the series' current time to expiry).
    error ModelDoesNotCoverSeries(uint256 modelId, uint256 inputIndex, uint256 value, uint256 min, uint256 max);
    /// @dev An oracle address has no contract code.
    error OracleHasNoCode(address oracle);
    /// @dev An oracle reports more than 36 decimals.
    error OracleDecimalsTooLarge(address oracle, uint8 decimals);
    /// @dev Strike is 0 or above type(uint96).max.
    error InvalidStrike(uint256 strike);
    /// @dev Expiry is not in the future at creation.
    error InvalidExpiry(uint256 expiry);
    /// @dev The model is retired or its layout is not 1 output + 4 inputs, all with 18 decimals.
    error ModelLayoutMismatch(uint256 modelId);
    /// @dev `observedAt` is not the `updatedAt` of the spot oracle's latest round.
    error ObservationNotLatestRound(uint256 observedAt, uint256 latestUpdatedAt);
    /// @dev `observedAt` is at or after the series' expiry.
    error ObservationNotBeforeExpiry(uint256 observedAt, uint256 expiry);
    /// @dev `observedAt` is not strictly later than the last accepted observation (replay).
    error ObservationNotNewer(uint256 observedAt, uint256 lastObservedAt);
    /// @dev The timeToExpiry signal is not floor((expiry - observedAt) · 1e18 / 365 days).
    error TimeToExpiryMismatch(uint256 expected, uint256 actual);
    /// @dev The model's option kind (registry) is not the series' kind, or it is not set.
    error ModelKindMismatch(uint256 modelId, uint8 modelKind, bool seriesIsCall);
    /// @dev The model's error band does not fit the series record (> MAX_BAND).
    error ErrorBandTooLarge(uint256 modelId, uint256 band);
    /// @dev The L2 sequencer is down (or its uptime feed has no valid round).
    error SequencerDown();
    /// @dev The sequencer came back up less than `sequencerGracePeriod` seconds ago.
    error SequencerGracePeriod(uint256 upSince, uint256 gracePeriod);
    /// @dev A settlement round walk found a valid round before `roundId` at or after expiry, or
    /// more than MAX_SETTLEMENT_SKIP rounds to walk.
    error SettlementTooManyRounds(uint256 roundId);
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
    /// @dev Price or spot does not fit in 96 bits (above ~7.9e10 units of quote).
    error ObservationOverflow(uint256 price, uint256 spot);
    /// @dev The model's risk circuit does not shock the option layout's moneyness (input 0)
    /// and volatility (input 2), or has more than 32 scenarios.
    error RiskLayoutMismatch(uint256 modelId);
    /// @dev `key` would be the feed's distinct spot oracle (`oracle | decimals << 160`) or model
    /// number `limit + 1`: at most 65,535 spot oracles and 16,777,215 models (the widths of
    /// `Series.spotIndex` and `Series.modelIndex`).
    error TooManyIndexed(uint256 key, uint256 limit);
    /// @dev A risk vector for the (spot, vol) round of the stored price-only mark whose mark
    /// (clamped, wad per unit) is not that stored price: it would give the round a second mark.
    error RiskMarkMismatch(uint256 seriesId, uint256 storedPrice, uint256 riskMark);

    /// @param sequencerUptimeFeed_ Chainlink L2 sequencer-uptime feed, or address(0) for none.
    /// @param sequencerGracePeriod_ Seconds after the sequencer is back up before marks and
    /// settlement rounds are usable again (Chainlink suggests 3600); ignored without a feed.
    constructor(
        address initialOwner,
        ModelRegistry registry_,
        AggregatorV3Interface sequencerUptimeFeed_,
        uint256 sequencerGracePeriod_
    ) Ownable(initialOwner) {
        registry = registry_;
        sequencerUptimeFeed = sequencerUptimeFeed_;
        sequencerGracePeriod = sequencerGracePeriod_;
    }

    // ---------------------------------------------------------------- governance

    /// @notice Create a series and deploy its AggregatorV3Interface adapter.
    /// @return seriesId The new series id (1-based).
    function createSeries(SeriesParams calldata p) external onlyOwner returns (uint256 seriesId) {
        if (p.strike == 0 || p.strike > type(uint96).max) revert InvalidStrike(p.strike);
        if (p.expiry <= block.timestamp || p.expiry > type(uint32).max) revert InvalidExpiry(p.expiry);
        _checkRisk(p.risk);
        seriesId = ++seriesCount;
        Series storage s = _series[seriesId];
        s.strike = uint96(p.strike);
        s.expiry = uint32(p.expiry);
        s.isCall = p.isCall;
        _setModel(s, p.modelId);
        _setOracles(s, p.spotOracle, p.volOracle);
        _setRisk(s, p.risk);
        _latest[seriesId].initialized = true;
        _initRisk(seriesId, p.modelId);
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
    function setRiskParams(uint256 seriesId, RiskParams calldata params) external onlyOwner {
        Series storage s = _existing(seriesId);
        _checkRisk(params);
        _setRisk(s, params);
        emit SeriesRiskParamsSet(seriesId, params);
    }

    /// @notice Replace a series' spot and volatility oracles (decimals are read again). The
    /// stored price and risk vector were proven on the previous oracles: neither is current until
    /// a proof for the new oracles' latest rounds is accepted (the stored volatility round becomes
    /// 2^80 − 1, which no oracle round matches, so a new oracle whose round ids repeat the old
    /// ones' cannot make the old mark current; a proof of the same spot round is accepted again).
    function setOracles(uint256 seriesId, AggregatorV3Interface spotOracle, AggregatorV3Interface volOracle)
        external
        onlyOwner
    {
        Series storage s = _existing(seriesId);
        _setOracles(s, spotOracle, volOracle);
        // No volatility round matches: the mark, and with it the stored vector, is not current
        // until a new submission (which rewrites or clears `hasRisk`).
        s.lastVolRound = type(uint80).max;
        emit SeriesOraclesSet(seriesId, address(spotOracle), address(volOracle));
    }

    /// @notice Let a series accept proofs of another (active, option-layout) model, e.g. a
    /// retrained one. The ordering of `observedAt` carries over, so old proofs stay stale.
    /// Like `createSeries`, requires the model's ranges to contain moneyness 1e18 and the
    /// series' current time to expiry (reverts once the series has expired), and the model's
    /// option kind to be the series' kind; the error band and coverage are the new model's.
    function setSeriesModel(uint256 seriesId, uint256 modelId) external onlyOwner {
        Series storage s = _existing(seriesId);
        _setModel(s, modelId);
        // The stored risk vector was proven by the previous model (its grid): no longer current.
        _latest[seriesId].hasRisk = false;
        _initRisk(seriesId, modelId);
        emit SeriesModelSet(seriesId, modelId);
    }

    // ---------------------------------------------------------------- submission

    /// @notice Submit a proven price for `seriesId` for the oracles' latest state (see the
    /// contract NatSpec): the proof must be made for the spot and volatility oracles' latest
    /// rounds; if either updates before inclusion, this reverts and the prover proves again.
    /// The key is (spot round, volatility round): the volatility round is the one the oracle
    /// reports at inclusion; it is not a parameter (the volatility signal must equal its answer).
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
        _checkOrder(seriesId, observedAt);
        Accepted memory acc;
        // Model facts: active, field, declared input ranges (inputs are then < 2^128).
        (acc.verifier, acc.selector) = registry.checkSignals(s.modelId, publicSignals);
        _checkNew(acc, seriesId, s, observedAt, publicSignals[I_PRICE_OVER_STRIKE], publicSignals, false);
        if (!Groth16Call.verify(acc.verifier, acc.selector, a, b, c, publicSignals)) revert InvalidProof();
        return _store(seriesId, acc, false);
    }

    /// @notice Submit a proven risk vector for `seriesId`: the mark, every scenario price of the
    /// model's risk grid, Δ and Γ, proven by the model's risk circuit (registry
    /// `registerRiskCircuit`) for exactly the statement `submit` accepts now. The trailing four
    /// signals are checked exactly as `submit` checks its inputs (same rounds, replay order,
    /// sequencer and expiry rules, the same code); the shocked inputs must also be within the
    /// risk circuit's mark ranges (registry `RiskMarkOutOfRange`: no proof can exist outside).
    /// The mark is stored as `submit` stores a price (clamped the same way; `mark()`,
    /// `latestObservation`, `isCurrent` and the series' aggregator serve it), so this replaces
    /// `submit` for the series' statement. The packed components are read by the registry's
    /// `checkedRiskRecord` (its checks, `riskValues` and the stored form, in one call): raw
    /// prices, for a payoff-skip model the proven time value plus the exact payoff at each
    /// shocked point. Scenario prices are clamped into the same no-arbitrage
    /// interval at the scenario's moneyness (moneyness · (2^b + k) / 2^b, rounded down; the
    /// volatility shock does not enter the bounds). Δ and Γ are the central differences of the
    /// proven (unclamped) prices, payoff included, converted as in `risk`.
    /// @param publicSignals The packed outputs, then `[moneyness, timeToExpiry, volatility, rate]`.
    /// @return price The stored mark, wad per unit of underlying (rounded down).
    function submitRisk(
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
        _checkOrder(seriesId, observedAt);
        // Model facts: active, risk circuit, count, field, declared and mark ranges; then the raw
        // prices per scenario (grid order), dP, d2P: quotients · factor + payoff skip.
        (ModelRegistry.RiskCircuit memory rc, RiskRecords.Packed memory pk) =
            registry.checkedRiskRecord(s.modelId, publicSignals, s.rate, s.isCall, s.strike);
        if (rc.spotInput != I_MONEYNESS - 1 || rc.volInput != I_VOLATILITY - 1 || rc.numScenarios > RiskRecords.MAX_SCENARIOS) {
            revert RiskLayoutMismatch(s.modelId);
        }
        Accepted memory acc;
        // From the last packed signal on, indices 1..4 are the four inputs as in `submit`.
        _checkNew(acc, seriesId, s, observedAt, _pos(pk.mark), publicSignals[rc.numPacked - 1:], true);
        if (!Groth16Call.verify(rc.verifier, rc.selector, a, b, c, publicSignals)) revert InvalidProof();
        return _storeRisk(seriesId, s, rc, pk, acc);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Settle an expired series at its intrinsic value, with the spot of `roundId`:
    /// the first VALID spot-oracle round updated at or after expiry (see the contract NatSpec;
    /// round ids are assumed sequential).
    /// @return price Settlement price, wad per unit of underlying (exact: no rounding).
    function settle(uint256 seriesId, uint80 roundId) external returns (uint256 price) {
        Series storage s = _existing(seriesId);
        uint256 expiry = s.expiry;
        if (block.timestamp < expiry) revert NotExpired(seriesId, expiry);
        if (_latest[seriesId].settled) revert AlreadySettled(seriesId);
        _requireSequencerUp();
        AggregatorV3Interface oracle = s.spotOracle;
        (, int256 answer,, uint256 updatedAt,) = oracle.getRoundData(roundId);
        if (answer <= 0) revert InvalidOracleAnswer(address(oracle), answer);
        if (updatedAt < expiry) revert SettlementSpotBeforeExpiry(updatedAt, expiry);
        if (updatedAt > block.timestamp) revert StaleOracle(address(oracle), updatedAt, 0);
        _requireFirstValid(oracle, roundId, expiry);
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
            settled: true,
            hasRisk: false
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
    /// @dev See `mark`: proven, not settled, for both oracles' latest rounds, model active,
    /// sequencer usable. Does not check heartbeats or the price's age.
    function isCurrent(uint256 seriesId) external view returns (bool) {
        return _mark(seriesId).current;
    }

    /// @inheritdoc IOptionPriceFeed
    function mark(uint256 seriesId) external view returns (Mark memory) {
        return _mark(seriesId);
    }

    /// @inheritdoc IOptionPriceFeed
    /// @dev Scenario prices = stored clamped priceOverStrike, rounded down to 2e-5 of the strike,
    /// times the strike (rounded down): each is below its exact value (priceOverStrike · strike /
    /// 1e18) by less than strike / 5e4 + 1 wei, and `mark` (the mark scenario) is the price
    /// `submitRisk` stored rounded so. Current: the latest observation was stored by `submitRisk`
    /// for this vector and `mark(seriesId).current`.
    function risk(uint256 seriesId) external view returns (Risk memory) {
        return _readRisk(seriesId, _mark(seriesId));
    }

    /// @inheritdoc IOptionPriceFeed
    /// @dev Oracle answers and the sequencer feed are read once per distinct oracle in the call,
    /// `registry.isActive` once per run of consecutive series of one model, a series' slots once
    /// each: its first three series slots and its observation; with `withRisk`, for a current
    /// vector the used scenario words (its observation is the vector's: `hasRisk`), else the
    /// risk-record slot, and the model's grid hash once per run of one model. Δ and Γ are not
    /// read (see `risk`).
    function marksAndRisks(uint256[] calldata ids, bool withRisk) external view returns (uint256[] memory data) {
        uint256 n = ids.length;
        ReadCache memory c = _newCache(n);
        // Room for the longest records (32 scenarios); the length is set to the used words below.
        data = new uint256[](2 + 4 * n + (withRisk ? 36 * n : 0));
        // `p` walks the words: data[2 + 4i ..] the marks, from `q` on the risk records.
        uint256 p;
        uint256 q;
        {
            uint256 up = c.sequencerUp ? 1 : 0;
            uint256 usableSince = c.usableSince;
            assembly ("memory-safe") {
                mstore(add(data, 0x20), up)
                mstore(add(data, 0x40), usableSince)
                p := add(data, 0x60)
                q := add(p, shl(7, n))
            }
        }
        for (uint256 i; i < n; ++i) {
            uint256 id = ids[i];
            (uint256 o, uint256 s0, uint256 s1, uint256 w2) = _writeMark(id, c, p);
            unchecked {
                p += 0x80; // inside `data`
            }
            if (withRisk) q = _packRisk(id, o, s0, s1, w2, c, q);
        }
        // Return the array as it lies in memory (its ABI encoding is the offset word, then the
        // length and the words): the word before it is no longer used.
        assembly ("memory-safe") {
            mstore(data, shr(5, sub(q, add(data, 0x20))))
            let start := sub(data, 0x20)
            mstore(start, 0x20)
            return(start, sub(q, start))
        }
    }

    /// @dev Writes the four words of the series' mark (the layout of `marksAndRisks`; `mark`
    /// decodes them) at memory `p`, from its series slots 1 and 2, its spot oracle's word and its
    /// observation, with the oracle, sequencer and model reads of `c`. An unknown series: four
    /// zero words. Returns the observation, the spot word with the model index, series slot 1,
    /// and the mark's word 2 with the risk grid's header at bit 96.
    function _writeMark(uint256 seriesId, ReadCache memory c, uint256 p)
        internal
        view
        returns (uint256 o, uint256 s0, uint256 s1, uint256 w2)
    {
        uint256 s2;
        {
            Series storage s = _series[seriesId];
            assembly ("memory-safe") {
                let slot := s.slot
                s1 := sload(add(slot, 1))
                s2 := sload(add(slot, 2))
                mstore(p, 0)
                mstore(add(p, 0x20), 0)
                mstore(add(p, 0x40), 0)
                mstore(add(p, 0x60), 0)
            }
        }
        // A created series has a volatility oracle (with code).
        if (uint160(s1) == 0) return (0, 0, 0, 0);
        // s0: the spot oracle's word (`oracle | decimals << 160`), the model index at bit 168.
        s0 = _spots.at[s1 >> 240] | (uint256(uint24(s2 >> 232)) << 168);
        {
            Observation storage ob = _latest[seriesId];
            assembly ("memory-safe") {
                o := sload(ob.slot)
            }
        }
        // Field offsets: see the `Series` and `Observation` declarations.
        bool settled = uint8(o >> 240) != 0;
        {
            (uint256 spotNow, bool current) = _currency(c, s0, s1, uint40(o >> 192), settled);
            if (current) w2 = uint256(1) << 250;
            assembly ("memory-safe") {
                mstore(add(p, 0x20), spotNow)
            }
        }
        uint256 strike = uint96(s2);
        bool isCall = uint8(s2 >> 208) != 0;
        w2 |= strike | (uint256(uint40(o >> 192)) << 128) | (uint256(uint32(s2 >> 96)) << 168)
            | (uint256(uint32(s2 >> 128)) << 208) | (isCall ? uint256(1) << 248 : 0) | (settled ? uint256(1) << 249 : 0);
        uint256 w0 = uint96(o) | (uint256(uint96(o >> 96)) << 128);
        uint256 w3;
        unchecked {
            // strike < 2^96, bandE5 < 2^16, reserveMoneynessBps < 2^32: no overflow.
            // ceil(bandE5 · strike / 1e5): at least the band, wad per unit.
            w3 = (uint256(uint16(s2 >> 192)) * strike + 99_999) / 100_000;
            w3 |= (isCall ? (strike * uint32(s2 >> 160) + 9_999) / 10_000 : strike) << 128;
        }
        assembly ("memory-safe") {
            mstore(p, w0)
            mstore(add(p, 0x40), w2)
            mstore(add(p, 0x60), w3)
        }
        // Returned with the risk grid's header (numScenarios | markScenario << 8) at bit 96,
        // above the strike (< 2^96), for `_packRisk`.
        w2 |= uint256(uint16(s2 >> 216)) << 96;
    }

    /// @dev The spot oracle's answer now (wad; 0 if not positive) and whether the observation is
    /// current: proven, not settled, sequencer usable, for both oracles' latest rounds, model
    /// active. `s0`: the spot word with the model index (`_writeMark`), `s1`: series slot 1.
    function _currency(ReadCache memory c, uint256 s0, uint256 s1, uint256 observedAt, bool settled)
        internal
        view
        returns (uint256 spotNow, bool current)
    {
        (, int256 answer, uint256 updatedAt) = _latestCached(c, AggregatorV3Interface(address(uint160(s0))));
        if (answer > 0) spotNow = _toWad(uint256(answer), uint8(s0 >> 160));
        if (observedAt == 0 || settled || !c.sequencerUp || updatedAt != observedAt) return (spotNow, false);
        (uint80 volRound,,) = _latestCached(c, AggregatorV3Interface(address(uint160(s1))));
        if (volRound != uint80(s1 >> 160)) return (spotNow, false);
        current = _isActiveCached(c, uint24(s0 >> 168));
    }

    /// @dev Writes the series' risk record of `marksAndRisks` at memory `q` (inside the array
    /// allocated for it, zeroed) from `_writeMark`'s words; returns its end.
    function _packRisk(uint256 seriesId, uint256 o, uint256 s0, uint256 s1, uint256 w2, ReadCache memory c, uint256 q)
        internal
        view
        returns (uint256)
    {
        // Current as in `risk`: when `hasRisk`, the record's observedAt is the observation's and its
        // grid is the series' model's. The invariant this relies on: `hasRisk` is set only by
        // `_storeRisk` (with the record, the scenario words and the series' grid header);
        // `submit`, `settle` and `setSeriesModel` clear it, and after `setOracles` the mark (so the
        // vector) is not current until the next submission.
        if (!((w2 >> 250) & 1 == 1 && uint8(o >> 248) != 0)) {
            uint256 observedAt = _risk[seriesId].observedAt;
            if (observedAt != 0) {
                bytes32 group = _groupOf(_gridHashCached(c, uint24(s0 >> 168)), address(uint160(s0)), address(uint160(s1)));
                assembly ("memory-safe") {
                    mstore(q, observedAt)
                    mstore(add(q, 0x20), group)
                }
            }
            return q + 0x80; // at most 2^64 bytes of memory: no overflow
        }
        // The grid of a current vector is the series' model's (the header `_writeMark` returns).
        uint256 m = uint8(w2 >> 96);
        {
            // The mark scenario's price (markScenario < numScenarios: the registry's grid).
            uint256 markPrice = RiskRecords.unpack(_riskScenarios[seriesId], m, uint8(w2 >> 104), uint96(w2), q + 0x80);
            assembly ("memory-safe") {
                mstore(add(q, 0x40), markPrice)
                mstore(add(q, 0x60), m)
            }
        }
        // The scenarios' rounding (SCENARIO_UNIT of the strike, then the wad product) is below
        // strike / 5e4 + 1 wei: `unit` bounds it.
        uint256 w0 = uint40(w2 >> 128) | (1 << 40) | ((uint96(w2) / SCENARIO_DIVISOR + 2) << 128);
        bytes32 g = _groupOf(_gridHashCached(c, uint24(s0 >> 168)), address(uint160(s0)), address(uint160(s1)));
        assembly ("memory-safe") {
            mstore(q, w0)
            mstore(add(q, 0x20), g)
            q := add(q, add(0x80, shl(5, m)))
        }
        return q;
    }

    /// @notice Whether the L2 sequencer (if any) is up and out of its grace period.
    function sequencerUsable() public view returns (bool) {
        (bytes4 e,) = _sequencerState();
        return e == bytes4(0);
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
        (spot, observedAt,) = _readOracleRound(s.spotOracle, s.spotDecimals, s.spotHeartbeat);
        moneyness = (spot * WAD) / s.strike;
        timeToExpiry = ((uint256(s.expiry) - observedAt) * WAD) / YEAR;
        (volatility,,) = _readOracleRound(s.volOracle, s.volDecimals, s.volHeartbeat);
        rate = s.rate;
    }

    // ---------------------------------------------------------------- internal

    /// @dev A statement that passed every check but the proof.
    struct Accepted {
        Observation o;
        uint80 volRound;
        bool clamped;
        address verifier;
        bytes4 selector;
    }

    /// @dev Replay order (not older than the stored observation) and the sequencer; the
    /// caller checks the model facts next, then `_checkNew`.
    function _checkOrder(uint256 seriesId, uint256 observedAt) internal view {
        uint256 lastObservedAt = _latest[seriesId].observedAt;
        if (observedAt < lastObservedAt) revert ObservationNotNewer(observedAt, lastObservedAt);
        _requireSequencerUp();
    }

    /// @dev The statement (see the contract NatSpec) and the replay key, shared by `submit`
    /// and `submitRisk`: `signals[1..4]` are the four inputs, `provenPriceOverStrike` the
    /// proven mark (wad fraction of the strike, before the clamp). Fills `acc`.
    function _checkNew(
        Accepted memory acc,
        uint256 seriesId,
        Series memory s,
        uint256 observedAt,
        uint256 provenPriceOverStrike,
        uint256[] calldata signals,
        bool isRisk
    ) internal view {
        Observation memory last = _latest[seriesId];
        uint256 lastObservedAt = last.observedAt;
        (acc.o, acc.volRound, acc.clamped) = _checkStatement(s, observedAt, provenPriceOverStrike, signals);
        // Same spot round: only a new volatility round makes it newer, except that a risk
        // vector may join a price-only mark of the very same (spot, vol) round (so that a
        // price-only proof posted first cannot keep the series without a current vector), once,
        // and only with the same stored mark: one round never has two marks to choose from.
        if (observedAt == lastObservedAt && acc.volRound == s.lastVolRound) {
            if (!isRisk || last.hasRisk) revert ObservationNotNewer(observedAt, lastObservedAt);
            if (acc.o.price != last.price) revert RiskMarkMismatch(seriesId, last.price, acc.o.price);
        }
    }

    /// @dev Store an accepted mark observation (as the series' latest) and emit `PriceSubmitted`.
    function _store(uint256 seriesId, Accepted memory acc, bool hasRisk) internal returns (uint256) {
        Observation memory o = acc.o;
        o.initialized = true;
        o.hasRisk = hasRisk;
        _latest[seriesId] = o;
        _series[seriesId].lastVolRound = acc.volRound;
        emit PriceSubmitted(seriesId, o.observedAt, o.price, o.spot, acc.volRound, acc.clamped, msg.sender);
        return o.price;
    }

    /// @dev For a model with a risk circuit: record its grid hash, and write non-zero
    /// placeholders into the series' empty risk slots (as `initialized` does for the
    /// observation), so that the first `submitRisk` rewrites non-zero slots and costs the same as
    /// every later one. No risk vector is served while `observedAt == 0`.
    function _initRisk(uint256 seriesId, uint256 modelId) internal {
        if (!registry.hasRiskCircuit(modelId)) return;
        ModelRegistry.RiskCircuit memory rc = registry.riskCircuitOf(modelId);
        _gridHashOf[modelId] = rc.gridHash;
        Series storage s = _series[seriesId];
        (s.numScenarios, s.markScenario) = (rc.numScenarios, rc.markScenario);
        RiskRecord storage r = _risk[seriesId];
        if (r.observedAt == 0) (r.delta, r.gamma) = (1, 1);
        uint256 words = (uint256(rc.numScenarios) + LANES_PER_WORD - 1) / LANES_PER_WORD;
        uint256[3] storage stored = _riskScenarios[seriesId];
        for (uint256 i; i < words && i < 3; ++i) {
            if (stored[i] == 0) stored[i] = 1;
        }
    }

    /// @dev The risk group of a vector of `modelId` on these oracles:
    /// keccak256(abi.encode(gridHash, spotOracle, volOracle)).
    function _groupOf(bytes32 gridHash, address spotOracle, address volOracle) internal pure returns (bytes32 g) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, gridHash)
            // Addresses converted from wider words may carry dirty upper bits here: cleaned.
            mstore(add(p, 0x20), and(spotOracle, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(p, 0x40), and(volOracle, 0xffffffffffffffffffffffffffffffffffffffff))
            g := keccak256(p, 0x60)
        }
    }

    /// @dev Store a verified risk vector and its mark observation; emits both events.
    function _storeRisk(
        uint256 seriesId,
        Series memory s,
        ModelRegistry.RiskCircuit memory rc,
        RiskRecords.Packed memory pk,
        Accepted memory acc
    ) internal returns (uint256 price) {
        uint256[3] storage stored = _riskScenarios[seriesId];
        for (uint256 i; i * LANES_PER_WORD < rc.numScenarios; ++i) {
            stored[i] = pk.words[i];
        }
        RiskRecord memory r = RiskRecord({
            delta: pk.delta,
            gamma: pk.gamma,
            observedAt: acc.o.observedAt,
            numScenarios: rc.numScenarios,
            markScenario: rc.markScenario
        });
        // A risk circuit is immutable: its hash is written once per model (here if the circuit
        // was registered after the series was created).
        if (_gridHashOf[s.modelId] != rc.gridHash) _gridHashOf[s.modelId] = rc.gridHash;
        if (s.numScenarios != rc.numScenarios || s.markScenario != rc.markScenario) {
            Series storage st = _series[seriesId];
            (st.numScenarios, st.markScenario) = (rc.numScenarios, rc.markScenario);
        }
        _risk[seriesId] = r;
        bytes32 group = _groupOf(rc.gridHash, address(s.spotOracle), address(s.volOracle));
        price = _store(seriesId, acc, true);
        emit RiskSubmitted(seriesId, r.observedAt, price, r.delta, r.gamma, group);
    }

    /// @dev A proven raw price as priceOverStrike (wad fraction of the strike); negative as 0.
    function _pos(int256 p) internal pure returns (uint256) {
        return p > 0 ? uint256(p) : 0;
    }

    /// @dev `risk(seriesId)` given the series' `mark` `k` (of this block). Reads the risk record,
    /// the observation and the used scenario words.
    function _readRisk(uint256 seriesId, Mark memory k) internal view returns (Risk memory v) {
        RiskRecord memory r = _risk[seriesId];
        if (r.observedAt == 0) return v;
        uint256 strike = k.strike;
        uint256[3] storage words = _riskScenarios[seriesId];
        Series storage se = _series[seriesId];
        v.group = _groupOf(_gridHashOf[se.modelId], address(se.spotOracle), address(se.volOracle));
        v.delta = r.delta;
        v.gamma = r.gamma;
        v.observedAt = r.observedAt;
        uint256[] memory scenarios = new uint256[](r.numScenarios);
        uint256 sp;
        assembly ("memory-safe") {
            sp := add(scenarios, 0x20)
        }
        // markScenario < numScenarios (the registry's grid), so the mark is one of them.
        v.mark = RiskRecords.unpack(words, r.numScenarios, r.markScenario, strike, sp);
        v.scenarios = scenarios;
        Observation memory o = _latest[seriesId];
        v.current = o.hasRisk && o.observedAt == r.observedAt && k.current;
    }

    /// @dev What `marksAndRisks` reads once per call: the sequencer state, each oracle's latest
    /// round (`oracles`: `numOracles` words, entries of [address, round id, answer, updatedAt]) and the
    /// last model's `isActive`.
    struct ReadCache {
        bool sequencerUp;
        uint256 usableSince;
        uint256 numOracles;
        uint256[] oracles;
        uint256 model;
        uint256 modelId;
        uint256 loaded;
        bool active;
        bytes32 gridHash;
    }

    function _newCache(uint256 n) internal view returns (ReadCache memory c) {
        (bytes4 e, uint256 startedAt) = _sequencerState();
        c.sequencerUp = e == bytes4(0);
        if (address(sequencerUptimeFeed) != address(0)) c.usableSince = startedAt + sequencerGracePeriod;
        c.oracles = new uint256[](8 * n);
    }

    /// @dev `oracle.latestRoundData()` (round id, answer, updatedAt), read once per call.
    function _latestCached(ReadCache memory c, AggregatorV3Interface oracle)
        internal
        view
        returns (uint80 roundId, int256 answer, uint256 updatedAt)
    {
        uint256[] memory e = c.oracles;
        uint256 a = uint256(uint160(address(oracle)));
        uint256 n = c.numOracles;
        // At most 2 oracles per series, each an entry of 4 words: e (8 words per series) has
        // room for one more entry.
        uint256 at;
        bool found;
        assembly ("memory-safe") {
            let base := add(e, 0x20)
            for {} lt(at, n) { at := add(at, 4) } {
                if eq(mload(add(base, mul(at, 0x20))), a) {
                    found := 1
                    break
                }
            }
        }
        if (!found) {
            (roundId, answer,, updatedAt,) = oracle.latestRoundData();
            assembly ("memory-safe") {
                let p := add(add(e, 0x20), mul(at, 0x20))
                mstore(p, a)
                mstore(add(p, 0x20), roundId)
                mstore(add(p, 0x40), answer)
                mstore(add(p, 0x60), updatedAt)
            }
            c.numOracles = n + 4;
        } else {
            assembly ("memory-safe") {
                let p := add(add(e, 0x20), mul(at, 0x20))
                roundId := mload(add(p, 0x20))
                answer := mload(add(p, 0x40))
                updatedAt := mload(add(p, 0x60))
            }
        }
    }

    /// @dev Makes `c` hold the model of index `index` (`Series.modelIndex`, > 0).
    function _modelCached(ReadCache memory c, uint256 index) internal view {
        if (c.model != index) {
            c.model = index;
            c.modelId = _models.at[index];
            c.loaded = 0;
        }
    }

    /// @dev `registry.isActive` of the model of index `index`, read once per run of one model.
    function _isActiveCached(ReadCache memory c, uint256 index) internal view returns (bool) {
        _modelCached(c, index);
        if (c.loaded & 1 == 0) {
            c.loaded |= 1;
            c.active = registry.isActive(c.modelId);
        }
        return c.active;
    }

    /// @dev `_gridHashOf` the model of index `index`, read once per run of one model.
    function _gridHashCached(ReadCache memory c, uint256 index) internal view returns (bytes32) {
        _modelCached(c, index);
        if (c.loaded & 2 == 0) {
            c.loaded |= 2;
            c.gridHash = _gridHashOf[c.modelId];
        }
        return c.gridHash;
    }

    /// @dev The series' mark (see `mark`): `_writeMark`'s words decoded.
    function _mark(uint256 seriesId) internal view returns (Mark memory k) {
        ReadCache memory c = _newCache(1);
        uint256 p;
        assembly ("memory-safe") {
            p := mload(0x40)
            mstore(0x40, add(p, 0x80))
        }
        _writeMark(seriesId, c, p);
        uint256 w0;
        uint256 w1;
        uint256 w2;
        uint256 w3;
        assembly ("memory-safe") {
            w0 := mload(p)
            w1 := mload(add(p, 0x20))
            w2 := mload(add(p, 0x40))
            w3 := mload(add(p, 0x60))
        }
        if (w2 == 0) return k;
        (k.price, k.spot, k.spotNow) = (uint128(w0), w0 >> 128, w1);
        (k.strike, k.observedAt, k.expiry, k.coveredUntil) = (uint128(w2), uint40(w2 >> 128), uint40(w2 >> 168), uint40(w2 >> 208));
        (k.isCall, k.settled, k.current) = ((w2 >> 248) & 1 == 1, (w2 >> 249) & 1 == 1, (w2 >> 250) & 1 == 1);
        (k.spread, k.unitReserve) = (uint128(w3), w3 >> 128);
        (k.sequencerUp, k.usableSince) = (c.sequencerUp, c.usableSince);
    }

    /// @dev 0 when there is no sequencer feed or it is up for longer than the grace period;
    /// else the selector of `SequencerDown` or `SequencerGracePeriod`.
    /// With the feed's `startedAt` (0 without a feed), read once.
    function _sequencerState() internal view returns (bytes4 e, uint256 startedAt) {
        AggregatorV3Interface f = sequencerUptimeFeed;
        if (address(f) == address(0)) return (bytes4(0), 0);
        int256 answer;
        (, answer, startedAt,,) = f.latestRoundData();
        // startedAt == 0: the feed has no valid round yet (Chainlink: treat as not usable).
        if (answer != 0 || startedAt == 0) e = SequencerDown.selector;
        else if (block.timestamp - startedAt <= sequencerGracePeriod) e = SequencerGracePeriod.selector;
    }

    function _requireSequencerUp() internal view {
        (bytes4 e, uint256 startedAt) = _sequencerState();
        if (e == SequencerDown.selector) revert SequencerDown();
        if (e != bytes4(0)) revert SequencerGracePeriod(startedAt, sequencerGracePeriod);
    }

    /// @dev Every round before `roundId` updated at or after `expiry` is invalid (answer <= 0
    /// or updated in the future); walks back at most MAX_SETTLEMENT_SKIP rounds.
    function _requireFirstValid(AggregatorV3Interface oracle, uint80 roundId, uint256 expiry) internal view {
        uint80 r = roundId;
        for (uint256 steps; r > 1; ++steps) {
            if (steps == MAX_SETTLEMENT_SKIP) revert SettlementTooManyRounds(roundId);
            --r;
            (, int256 answer,, uint256 updatedAt,) = oracle.getRoundData(r);
            if (updatedAt < expiry) return;
            if (answer > 0 && updatedAt <= block.timestamp) revert SettlementRoundNotFirst(roundId, r, updatedAt);
        }
    }

    /// @dev The statement must be exactly the oracle state (see the contract NatSpec). Inputs
    /// are already within the model's uint128 ranges; `block.timestamp < expiry` was checked.
    /// Returns price (`provenPriceOverStrike` clamped, times the strike, rounded down), the
    /// oracle spot, the volatility round id and whether the proven price was clamped.
    /// `signals[1..4]` are the inputs (`signals[0]` is not read).
    function _checkStatement(
        Series memory s,
        uint256 observedAt,
        uint256 provenPriceOverStrike,
        uint256[] calldata signals
    ) internal view returns (Observation memory o, uint80 volRound, bool clamped) {
        (uint256 spot, uint256 updatedAt,) = _readOracleRound(s.spotOracle, s.spotDecimals, s.spotHeartbeat);
        if (observedAt != updatedAt) revert ObservationNotLatestRound(observedAt, updatedAt);
        // updatedAt <= block.timestamp < expiry: no underflow.
        {
            uint256 expectedTtm = ((uint256(s.expiry) - observedAt) * WAD) / YEAR;
            if (signals[I_TIME_TO_EXPIRY] != expectedTtm) {
                revert TimeToExpiryMismatch(expectedTtm, signals[I_TIME_TO_EXPIRY]);
            }
        }
        {
            uint256 moneyness = signals[I_MONEYNESS];
            uint256 expectedMoneyness = (spot * WAD) / s.strike;
            if (moneyness != expectedMoneyness) revert MoneynessMismatch(expectedMoneyness, moneyness);
        }
        {
            uint256 vol;
            (vol,, volRound) = _readOracleRound(s.volOracle, s.volDecimals, s.volHeartbeat);
            if (signals[I_VOLATILITY] != vol) revert VolatilityMismatch(vol, signals[I_VOLATILITY]);
        }
        if (signals[I_RATE] != s.rate) revert RateMismatch(s.rate, signals[I_RATE]);
        uint256 priceOverStrike;
        (priceOverStrike, clamped) =
            RiskRecords.clamp(provenPriceOverStrike, signals[I_MONEYNESS], signals[I_TIME_TO_EXPIRY], s.rate, s.isCall);
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

    /// @dev Option layout (1 output + 4 inputs, 18 decimals, active), option kind = the
    /// series' kind, and coverage of the series: moneyness range contains 1e18 (at the money),
    /// timeToExpiry range contains the series' current time to expiry. Records the model, its
    /// error band (rounded up to 1e-5 of the strike), its largest moneyness (bps, rounded up)
    /// and `coveredUntil = expiry − ⌈τmin · 365 days / 1e18⌉`.
    function _setModel(Series storage s, uint256 modelId) internal {
        ModelRegistry.ModelInfo memory m = registry.getModel(modelId);
        bool ok = !m.retired && m.numOutputs == 1 && m.numInputs == NUM_SIGNALS - 1 && m.outputDecimals == 18;
        for (uint256 i; ok && i < m.inputs.length; ++i) {
            ok = m.inputs[i].decimals == 18;
        }
        if (!ok) revert ModelLayoutMismatch(modelId);
        uint256 expiry = s.expiry;
        bool isCall = s.isCall;
        ModelRegistry.OptionTerms memory t = registry.optionTermsOf(modelId);
        if (t.kind != (isCall ? 1 : 2)) revert ModelKindMismatch(modelId, t.kind, isCall);
        uint256 band = uint256(t.quantizationBound) + t.referenceError;
        if (band > MAX_BAND) revert ErrorBandTooLarge(modelId, band);
        _checkCovers(modelId, m, I_MONEYNESS - 1, WAD);
        uint256 ttm = expiry > block.timestamp ? ((expiry - block.timestamp) * WAD) / YEAR : 0;
        _checkCovers(modelId, m, I_TIME_TO_EXPIRY - 1, ttm);
        uint256 minTtm = m.inputs[I_TIME_TO_EXPIRY - 1].min;
        // ttm >= minTtm, so (expiry - now) >= minTtm · YEAR / 1e18: no underflow below now.
        s.coveredUntil = uint32(expiry - (minTtm * YEAR + WAD - 1) / WAD);
        s.bandE5 = uint16((band + 1e13 - 1) / 1e13);
        uint256 maxM = m.inputs[I_MONEYNESS - 1].max;
        uint256 bps = (maxM * 10_000 + WAD - 1) / WAD;
        s.reserveMoneynessBps = bps > type(uint32).max ? type(uint32).max : uint32(bps);
        s.modelId = modelId;
        s.modelIndex = uint24(_intern(_models, modelId, type(uint24).max));
    }

    /// @notice The no-arbitrage clamp of a proven priceOverStrike (see the contract NatSpec),
    /// all wad; `timeToExpiry` in years, `rate` per year (`RiskRecords.clamp`). Pure, exposed for
    /// off-chain mirrors.
    /// @return clampedPrice The value in [lower, upper].
    /// @return clamped Whether it differs from `priceOverStrike`.
    function clampToBounds(uint256 priceOverStrike, uint256 moneyness, uint256 timeToExpiry, uint256 rate, bool isCall)
        external
        pure
        returns (uint256 clampedPrice, bool clamped)
    {
        return RiskRecords.clamp(priceOverStrike, moneyness, timeToExpiry, rate, isCall);
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
        uint8 d = _oracleDecimals(spotOracle);
        s.spotDecimals = d;
        s.volDecimals = _oracleDecimals(volOracle);
        s.spotOracle = spotOracle;
        s.volOracle = volOracle;
        uint256 index = _intern(_spots, uint256(uint160(address(spotOracle))) | (uint256(d) << 160), type(uint16).max);
        s.spotIndex = uint16(index);
    }

    /// @dev The 1-based index of `key` in `ix`, added if new (at most `limit` keys).
    function _intern(Index storage ix, uint256 key, uint256 limit) internal returns (uint256 index) {
        index = ix.indexOf[key];
        if (index != 0) return index;
        index = ++ix.count;
        if (index > limit) revert TooManyIndexed(key, limit);
        ix.indexOf[key] = index;
        ix.at[index] = key;
    }

    function _oracleDecimals(AggregatorV3Interface oracle) internal view returns (uint8 d) {
        if (address(oracle).code.length == 0) revert OracleHasNoCode(address(oracle));
        d = oracle.decimals();
        if (d > 36) revert OracleDecimalsTooLarge(address(oracle), d);
    }

    /// @dev The oracle's latest answer scaled to wad (rounded down when it has more than 18
    /// decimals), its `updatedAt` and round id; reverts unless answer > 0 and 0 <= now -
    /// updatedAt <= heartbeat.
    function _readOracleRound(AggregatorV3Interface oracle, uint8 decimals, uint256 heartbeat)
        internal
        view
        returns (uint256, uint256 updatedAt, uint80 roundId)
    {
        int256 answer;
        (roundId, answer,, updatedAt,) = oracle.latestRoundData();
        if (answer <= 0) revert InvalidOracleAnswer(address(oracle), answer);
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > heartbeat) {
            revert StaleOracle(address(oracle), updatedAt, heartbeat);
        }
        return (_toWad(uint256(answer), decimals), updatedAt, roundId);
    }

    function _toWad(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        uint256 f;
        // decimals <= 36 (`_oracleDecimals`): the power is at most 1e18.
        unchecked {
            f = 10 ** (decimals <= 18 ? 18 - decimals : decimals - 18);
        }
        return decimals <= 18 ? answer * f : answer / f;
    }
}
