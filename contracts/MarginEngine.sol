// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IOptionPriceFeed} from "./interfaces/IOptionPriceFeed.sol";
import {IZkinferSeriesErrors} from "./interfaces/IZkinferErrors.sol";
import {MarginMath} from "./libraries/MarginMath.sol";

/// @title MarginEngine
/// @notice Holds ERC-20 collateral for accounts that open long and short option positions
/// on the series of a proven-price feed against a counterparty pool, and lets anyone
/// liquidate an account below maintenance margin. The economics are stated in
/// contracts/README.md ("Economics"); the rules are:
///
/// Prices. Every series has a mark `m` (the feed's proven price, clamped to the no-arbitrage
/// bounds), a spread `s >= errorBand · strike` (the feed's `spread`, from the model's error
/// band in the registry) and a fee `f = feeBps · spot / 1e4` per unit. A buyer fills at
/// `ask = max(m + s, minTick)`, a seller at `bid = max(m − s, 0)`; every trade before expiry
/// also pays `f` per unit to the pool. Settled series trade at the settlement price with no
/// spread and no fee.
///
/// Mark states, per series (`markStatus`):
/// * USABLE: before expiry the feed's mark is current (both oracle rounds, active model,
///   sequencer usable), at most `maxPriceAge` old, and the series is inside the model's
///   coverage (`now < coveredUntil`); after expiry the series is settled;
/// * PENDING: not usable but may become so soon (a newer oracle round is not proven yet and
///   the price is at most `maxPriceAge` old; expired less than `maxPriceAge` ago and not
///   settled; the sequencer is down or in its grace period). Every action that values the
///   account reverts with the reason (`PriceNotCurrent`, `NotSettled`, `SequencerUnusable`,
///   `NoPrice`): a mark that is merely late never triggers a liquidation;
/// * MISSING: the mark is older than `maxPriceAge` (measured from no earlier than the end of
///   the sequencer's grace period, `usableSince`), or the series is outside the model's
///   coverage, or expired more than `maxPriceAge` ago without settlement. The leg is valued
///   conservatively: a long at 0, a short at an upper bound of the option (a call at the
///   larger of the proven and the oracle's latest spot, a put at the strike). Nothing
///   reverts for it: liquidation, withdrawal and closing work with that valuation.
///
/// Accounting (wad, see `MarginMath`): equity = collateral + Σ_long ⌊size · bid⌋ −
/// Σ_short ⌈size · ask⌉ (the account's exit value). Flat rule (portfolio margin off): IM / MM
/// add `imBps` / `mmBps` of spot per short unit. Portfolio margin (`portfolioParams.enabled`):
/// IM = imFactor · worstLoss + Σ_short imFloor, MM = mmFactor · worstLoss + Σ_short mmFloor,
/// the worst loss taken per risk group over the feed's proven scenario grid (`feed.risk`; an
/// account's marks and vectors are read in one `feed.marksAndRisks` call),
/// scenario prices moved by the spread against the account (a short's also by the feed's
/// rounding bound `unit`, `IOptionPriceFeed.marksAndRisks`); a leg without a current risk
/// vector is margined alone at its bounds (a long down to 0, a short up to its largest value),
/// which is never cheaper than with one; new shorts need a current risk vector; a risk vector
/// that is late but at most `maxPriceAge` old is PENDING. Open and withdraw need `equity >=
/// initialMargin` afterwards; `equity < maintenanceMargin` is liquidatable. Collateral is kept
/// in wad: a deposit of `amount` token
/// units credits `amount · 10^(18 − tokenDecimals)`; bonuses round down to whole units.
///
/// Capacity: the pool is the counterparty of every trade. An open is refused when the series'
/// open interest on that side times `unitReserve` (what one unit can be worth at a proven
/// mark: strike for a put, strike × the model's largest moneyness for a call) would exceed
/// `seriesCapBps` of the free pool, or the account's position times `unitReserve` would exceed
/// `accountCapBps` of it (`OpenInterestCap`). `withdrawPool` keeps Σ longOI · unitReserve
/// (`reservedForLongs`) in the pool. What the pool cannot pay a closing long or a liquidated
/// account becomes a claim (`claimOf`), paid first from later pool funds (`payClaim`).
///
/// Coverage: from `coveredUntil − reduceOnlyWindow` on, a series is reduce-only (no opens,
/// `ReduceOnly`); from `coveredUntil` to expiry its legs are MISSING (conservative).
///
/// Tokens: standard ERC-20s with at most 18 decimals. Fee-on-transfer and rebasing tokens are
/// not supported. The token balance of the engine always equals `Σ collateralOf + poolBalance`.
contract MarginEngine is IZkinferSeriesErrors, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Governance-set risk parameters.
    /// @param imBps Initial-margin spot buffer per short unit, basis points of spot.
    /// @param mmBps Maintenance-margin spot buffer per short unit, basis points (<= imBps).
    /// @param liquidationBonusBps Liquidator's reward, basis points of the maintenance margin,
    /// paid from the liquidated account's remaining equity (its penalty).
    /// @param maxPriceAge Largest accepted age of a proven price, seconds; also how long a
    /// late mark stays PENDING before it is MISSING.
    /// @param feeBps Fee per unit traded, basis points of spot, paid to the pool (<= 1,000).
    /// @param seriesCapBps Largest open interest per series and side, as `OI · unitReserve`
    /// in basis points of the free pool (1..10,000).
    /// @param accountCapBps Largest position of one account in one series, as `size ·
    /// unitReserve` in basis points of the free pool (1..10,000).
    /// @param reduceOnlyWindow Seconds before `coveredUntil` from which a series is reduce-only.
    /// @param minTick Least price per unit a buyer pays, wad (> 0): no position opens for free.
    struct RiskParams {
        uint16 imBps;
        uint16 mmBps;
        uint16 liquidationBonusBps;
        uint32 maxPriceAge;
        uint16 feeBps;
        uint16 seriesCapBps;
        uint16 accountCapBps;
        uint32 reduceOnlyWindow;
        uint96 minTick;
    }

    /// @notice Portfolio-margin parameters (one slot). When `enabled`, margin is the scenario
    /// margin of `MarginMath.portfolioHealth`; otherwise the flat rule of `RiskParams`.
    /// @param imFactorBps Initial margin per unit of worst loss, bps (>= mmFactorBps, <= 100,000).
    /// @param mmFactorBps Maintenance margin per unit of worst loss, bps (10,000..100,000: at
    /// least the whole worst loss).
    /// @param imFloorABps / imFloorBBps Initial floor per short unit, `max(a·S − OTM, b·S)`, bps of
    /// spot (<= 10,000 each).
    /// @param mmFloorABps / mmFloorBBps Maintenance floor, same form (each <= its IM counterpart).
    struct PortfolioParams {
        bool enabled;
        uint32 imFactorBps;
        uint32 mmFactorBps;
        uint16 imFloorABps;
        uint16 imFloorBBps;
        uint16 mmFloorABps;
        uint16 mmFloorBBps;
    }

    /// @notice Open interest of a series, wad units; `tracked`: listed in `_longSeries`.
    struct OpenInterest {
        uint120 longs;
        uint120 shorts;
        bool tracked;
    }

    /// @dev How a leg is valued now.
    uint8 internal constant USABLE = 0;
    uint8 internal constant PENDING = 1;
    uint8 internal constant MISSING = 2;

    /// @dev A series' risk vector as read from `feed.marksAndRisks`: prices wad per unit, rounded
    /// down by less than `unit` (see `IOptionPriceFeed.marksAndRisks`); `group` 0: none.
    struct Vector {
        bytes32 group;
        uint256 mark;
        uint256 unit;
        uint256 observedAt;
        bool current;
        uint256[] scenarios;
    }

    /// @dev How a leg's risk vector is treated (portfolio margin).
    uint8 internal constant RISK_VECTOR = 0;
    uint8 internal constant RISK_LATE = 1;
    uint8 internal constant RISK_FALLBACK = 2;

    /// @dev A leg's valuation: `price` per unit for its side (bid for a long, ask for a short,
    /// or the conservative value), `spot` for its buffer, `fee` per unit if it trades now.
    struct Valued {
        uint256 price;
        uint256 spot;
        uint256 fee;
        uint256 unitReserve;
        uint8 state;
        bytes4 reason;
        uint8 risk;
    }

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_FEE_BPS = 1_000;
    /// @notice Maximum number of series with an open position per account (bounds the gas of
    /// valuing an account, hence of liquidating it).
    uint256 public constant MAX_POSITIONS = 8;
    /// @notice Maximum absolute position size, wad units of underlying.
    uint256 public constant MAX_SIZE = type(uint120).max;
    /// @notice Largest scenario grid used by portfolio margin (a longer risk vector is not used).
    uint256 public constant MAX_SCENARIOS = 64;
    uint256 internal constant MAX_FACTOR_BPS = 100_000;

    /// @notice The collateral token.
    IERC20 public immutable collateralToken;
    /// @notice 10^(18 − token decimals): wad per token unit.
    uint256 public immutable tokenScale;
    /// @notice The proven-price feed.
    IOptionPriceFeed public immutable feed;

    /// @notice Current risk parameters.
    RiskParams public riskParams;
    /// @notice Current portfolio-margin parameters (off until governance sets them).
    PortfolioParams public portfolioParams;
    /// @notice Losses that liquidated accounts could not cover (absorbed by the pool), wad.
    uint256 public badDebt;
    /// @notice Funds of the counterparty pool, wad (including what is owed to claims). Packed
    /// with `totalClaims` in one slot (both are read by every trade).
    uint128 public poolBalance;
    /// @notice Sum of all unpaid claims, wad.
    uint128 public totalClaims;
    /// @notice What the pool owes an account and could not pay yet, wad.
    mapping(address account => uint256) public claimOf;

    /// @notice Collateral of an account, wad.
    mapping(address account => uint256) public collateralOf;
    /// @dev The account's book, five slots: word 0 its open series ids, packed in up to
    /// MAX_POSITIONS lanes of 32 bits filled from lane 0 without gaps; words 1..4 their signed
    /// sizes (> 0 long, < 0 short, wad, |size| <= MAX_SIZE < 2^127) as int128, lane i's in word
    /// 1 + i / 2 at bit 128 · (i % 2). A margin check of 8 series reads 5 slots for them.
    mapping(address account => uint256[5]) internal _book;
    /// @notice Open interest per series.
    mapping(uint256 seriesId => OpenInterest) public openInterest;
    /// @dev Every series that ever had long open interest (summed by `reservedForLongs`).
    uint256[] internal _longSeries;

    /// @notice Collateral was deposited (`amount` token units = `wad`).
    event Deposited(address indexed account, uint256 amount, uint256 wad);
    /// @notice Collateral was withdrawn (`amount` token units = `wad`).
    event Withdrawn(address indexed account, uint256 amount, uint256 wad);
    /// @notice A position was opened or increased at fill `price` per unit; `premium` paid
    /// (long) or received (short), `fee` paid to the pool.
    event PositionOpened(
        address indexed account,
        uint256 indexed seriesId,
        bool isLong,
        uint256 size,
        uint256 price,
        uint256 premium,
        uint256 fee
    );
    /// @notice A position was reduced at `price` per unit; `premium` received (long) or paid
    /// (short), `fee` paid to the pool (0 in liquidations and after expiry).
    event PositionClosed(
        address indexed account,
        uint256 indexed seriesId,
        bool isLong,
        uint256 size,
        uint256 price,
        uint256 premium,
        uint256 fee
    );
    /// @notice An account was liquidated: all positions closed at their valuation, `bonus`
    /// token units paid to the liquidator, `shortfall` wad added to bad debt.
    event Liquidated(
        address indexed account,
        address indexed liquidator,
        int256 equity,
        uint256 maintenanceMargin,
        uint256 bonus,
        uint256 shortfall
    );
    /// @notice The pool received `amount` token units (`wad`) from `from`.
    event PoolFunded(address indexed from, uint256 amount, uint256 wad);
    /// @notice Governance took `amount` token units (`wad`) out of the pool.
    event PoolWithdrawn(address indexed to, uint256 amount, uint256 wad);
    /// @notice The pool could not pay an account in full: `amount` wad added to its claim.
    event ClaimRecorded(address indexed account, uint256 amount);
    /// @notice `amount` wad of an account's claim were paid into its collateral.
    event ClaimPaid(address indexed account, uint256 amount);
    /// @notice Risk parameters were set (also at construction).
    event RiskParamsSet(RiskParams params);
    /// @notice Portfolio-margin parameters were set.
    event PortfolioParamsSet(PortfolioParams params);

    /// @dev An amount or size is zero.
    error ZeroAmount();
    /// @dev The collateral token has more than 18 decimals.
    error UnsupportedTokenDecimals(uint8 decimals);
    /// @dev The series is about to leave the model's coverage: only reductions, from `from` on.
    error ReduceOnly(uint256 seriesId, uint256 from);
    /// @dev The series' proven price is not for the oracles' latest rounds (or its model was
    /// retired) and is at most `maxPriceAge` old: a keeper is expected to prove the new round.
    error PriceNotCurrent(uint256 seriesId, uint256 observedAt);
    /// @dev The series has expired and is not settled yet.
    error NotSettled(uint256 seriesId, uint256 expiry);
    /// @dev The feed's L2 sequencer is down or in its grace period: nothing is valued.
    error SequencerUnusable(uint256 seriesId);
    /// @dev The fill price is above a buyer's or below a seller's limit price per unit.
    error PriceLimitExceeded(uint256 price, uint256 limitPrice);
    /// @dev The account has no claim to pay, or the pool has nothing to pay it with.
    error NothingToPay(address account);
    /// @dev Opening on the side opposite to the open position (close it first).
    error OppositePosition(uint256 seriesId, int256 position);
    /// @dev The account already has MAX_POSITIONS open series.
    error TooManyPositions();
    /// @dev The resulting position would exceed MAX_SIZE.
    error SizeTooLarge(uint256 size);
    /// @dev An open would put `exposure` (size · unitReserve, wad) above `cap` (bps of the free pool).
    error OpenInterestCap(uint256 seriesId, uint256 exposure, uint256 cap);
    /// @dev Closing more than the open position.
    error CloseExceedsPosition(uint256 seriesId, uint256 size, int256 position);
    /// @dev Collateral is smaller than a premium, a buy-back cost, a fee or a withdrawal.
    error InsufficientCollateral(uint256 available, uint256 needed);
    /// @dev The pool cannot pay a short's premium or a withdrawal.
    error InsufficientPoolLiquidity(uint256 available, uint256 needed);
    /// @dev After the action equity would be below the initial margin.
    error InitialMarginViolated(int256 equity, uint256 initialMargin);
    /// @dev The account is not below maintenance margin (or has no positions).
    error AccountHealthy(int256 equity, uint256 maintenanceMargin);
    /// @dev A portfolio-margin parameter is out of its range: `field` is its name, `value` what
    /// was given (see `PortfolioParams`).
    error InvalidPortfolioParams(string field, uint256 value);
    /// @dev Portfolio margin: a new short needs a current risk vector for this series' mark.
    error NoRiskVector(uint256 seriesId);
    /// @dev The feed's `marksAndRisks` answer does not have its documented layout.
    error FeedDataMalformed();
    /// @dev Portfolio margin: the series' risk vector is not for its current mark and is at most
    /// `maxPriceAge` old (PENDING: a keeper is expected to prove it).
    error RiskNotCurrent(uint256 seriesId, uint256 observedAt);

    constructor(address initialOwner, IERC20 token, IOptionPriceFeed feed_, RiskParams memory params)
        Ownable(initialOwner)
    {
        uint8 d = IERC20Metadata(address(token)).decimals();
        if (d > 18) revert UnsupportedTokenDecimals(d);
        collateralToken = token;
        tokenScale = 10 ** (18 - d);
        feed = feed_;
        _setRiskParams(params);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Replace the risk parameters (apply to all accounts immediately).
    function setRiskParams(RiskParams calldata params) external onlyOwner {
        _setRiskParams(params);
    }

    /// @notice Replace the portfolio-margin parameters (apply to all accounts immediately).
    function setPortfolioParams(PortfolioParams calldata params) external onlyOwner {
        _setPortfolioParams(params);
    }

    /// @notice Take `amount` token units out of the pool: at most its free balance (not owed
    /// to claims) minus `reservedForLongs()`.
    function withdrawPool(address to, uint256 amount) external onlyOwner nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        uint256 free = _freePool();
        uint256 reserved = reservedForLongs();
        uint256 available = free > reserved ? free - reserved : 0;
        if (wad > available) revert InsufficientPoolLiquidity(available, wad);
        poolBalance -= SafeCast.toUint128(wad);
        emit PoolWithdrawn(to, amount, wad);
        collateralToken.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- collateral

    /// @notice Add `amount` token units to the counterparty pool (not credited to any account).
    function fundPool(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        poolBalance += SafeCast.toUint128(wad);
        emit PoolFunded(msg.sender, amount, wad);
        collateralToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Deposit `amount` token units as collateral of the caller.
    function deposit(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        collateralOf[msg.sender] += wad;
        emit Deposited(msg.sender, amount, wad);
        collateralToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Withdraw `amount` token units; with open positions, no leg may be PENDING and
    /// `equity >= initialMargin` afterwards.
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        uint256 available = collateralOf[msg.sender];
        if (wad > available) revert InsufficientCollateral(available, wad);
        collateralOf[msg.sender] = available - wad;
        (MarginMath.Position[] memory legs,,) = _legs(msg.sender, 0);
        _requireInitialMargin(msg.sender, legs);
        emit Withdrawn(msg.sender, amount, wad);
        collateralToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- trading

    /// @notice Open (or increase) a long or short position of `size` wad units of underlying
    /// in `seriesId`: a long pays ⌈size · ask⌉, a short receives ⌊size · bid⌋, both pay the fee
    /// ⌈size · feeBps · spot / 1e4⌉ to the pool. Needs a USABLE mark for this series, no PENDING
    /// leg, the caps, and `equity >= initialMargin` afterwards.
    /// @param limitPrice Per unit, wad, compared with the fill price (ask or bid, fee excluded):
    /// the most a long pays, the least a short receives.
    /// @return premium Paid (long, rounded up) or received (short, rounded down), wad.
    function openPosition(uint256 seriesId, bool isLong, uint256 size, uint256 limitPrice)
        external
        nonReentrant
        returns (uint256 premium)
    {
        if (size == 0) revert ZeroAmount();
        (int256 position, uint256 lane) = _positionLane(msg.sender, seriesId);
        if (position != 0 && (position > 0) != isLong) revert OppositePosition(seriesId, position);
        uint256 newSize = (position >= 0 ? uint256(position) : uint256(-position)) + size;
        if (newSize > MAX_SIZE) revert SizeTooLarge(newSize);
        if (position == 0) {
            lane = _addSeries(msg.sender, seriesId);
        }
        _setSizeAt(_book[msg.sender], lane, isLong ? int256(newSize) : -int256(newSize));

        // Every leg is valued once; this series' mark must be USABLE and open to new risk.
        (MarginMath.Position[] memory legs, Valued memory v, IOptionPriceFeed.Mark memory k, uint256 pending) =
            _legsOrPending(msg.sender, seriesId);
        if (k.expiry == 0) revert UnknownSeries(seriesId);
        if (block.timestamp >= k.expiry) revert SeriesExpired(seriesId, k.expiry);
        _requireUsable(seriesId, v, k);
        if (portfolioParams.enabled && v.risk != RISK_VECTOR) {
            // New shorts need a current risk vector; a late one blocks longs too (PENDING).
            if (v.risk == RISK_LATE) revert RiskNotCurrent(seriesId, k.observedAt);
            if (!isLong) revert NoRiskVector(seriesId);
        }
        if (pending != 0) _revertPendingSeries(pending);
        {
            uint256 from = k.coveredUntil > riskParams.reduceOnlyWindow ? k.coveredUntil - riskParams.reduceOnlyWindow : 0;
            if (block.timestamp >= from) revert ReduceOnly(seriesId, from);
        }
        uint256 price = v.price;
        if (isLong ? price > limitPrice : price < limitPrice) revert PriceLimitExceeded(price, limitPrice);
        _checkCaps(seriesId, isLong, size, newSize, v.unitReserve);

        uint256 fee = MarginMath.valueUp(size, v.fee);
        if (isLong) {
            premium = MarginMath.valueUp(size, price);
            _accountPaysPool(msg.sender, premium + fee);
        } else {
            premium = MarginMath.valueDown(size, price);
            _poolPaysAccount(msg.sender, premium);
            if (fee != 0) _accountPaysPool(msg.sender, fee);
        }
        _requireInitialMargin(msg.sender, legs);
        emit PositionOpened(msg.sender, seriesId, isLong, size, price, premium, fee);
    }

    /// @notice Reduce the caller's position in `seriesId` by `size`: a long sells at ⌊size ·
    /// bid⌋, a short buys back at ⌈size · ask⌉, plus the fee before expiry (after expiry: the
    /// settlement price, no fee; a MISSING mark: the conservative value, no fee). Needs this
    /// series' mark not PENDING; closing never increases risk. What the pool cannot pay a
    /// closing long becomes the account's claim.
    /// @param limitPrice Per unit, wad: the least a long's sale receives, the most a short's
    /// buy-back pays.
    /// @return premium Received (long, rounded down, claim included) or paid (short, rounded up), wad.
    function closePosition(uint256 seriesId, uint256 size, uint256 limitPrice)
        external
        nonReentrant
        returns (uint256 premium)
    {
        if (size == 0) revert ZeroAmount();
        (int256 position, uint256 lane) = _positionLane(msg.sender, seriesId);
        uint256 held = position >= 0 ? uint256(position) : uint256(-position);
        if (size > held) revert CloseExceedsPosition(seriesId, size, position);
        bool isLong = position > 0;
        IOptionPriceFeed.Mark memory k = feed.mark(seriesId);
        Valued memory v = _value(k, seriesId, isLong);
        if (v.state == PENDING) _revertPending(seriesId, v.reason, k);

        uint256 price = v.price;
        if (isLong ? price < limitPrice : price > limitPrice) revert PriceLimitExceeded(price, limitPrice);
        uint256 remaining = held - size;
        if (remaining == 0) _removeSeries(msg.sender, seriesId);
        else _setSizeAt(_book[msg.sender], lane, isLong ? int256(remaining) : -int256(remaining));
        _reduceOpenInterest(seriesId, isLong, size);

        uint256 fee = MarginMath.valueUp(size, v.fee);
        if (isLong) {
            premium = MarginMath.valueDown(size, price);
            _poolPaysOrOwes(msg.sender, premium);
            _accountPaysPool(msg.sender, fee);
        } else {
            premium = MarginMath.valueUp(size, price);
            _accountPaysPool(msg.sender, premium + fee);
        }
        emit PositionClosed(msg.sender, seriesId, isLong, size, price, premium, fee);
    }

    /// @notice Liquidate `account` if `equity < maintenanceMargin` under the valuation of the
    /// contract NatSpec (MISSING legs conservative): close all its positions at that valuation
    /// (collateral becomes `equity`), pay the caller a reward of `liquidationBonusBps ·
    /// maintenanceMargin / 1e4` from the account (rounded down to whole token units, capped by
    /// what the account is credited) and record negative equity as bad debt. Reverts if a leg
    /// is PENDING, never for lack of pool liquidity: what the pool's free balance cannot pay
    /// becomes the account's claim.
    /// @return bonus Token units paid to the caller.
    function liquidate(address account) external nonReentrant returns (uint256 bonus) {
        (MarginMath.Position[] memory legs,,) = _legs(account, 0);
        (int256 equity,, uint256 mm) = _health(collateralOf[account], legs);
        if (legs.length == 0 || equity >= int256(mm)) revert AccountHealthy(equity, mm);

        uint256[] memory ids = _ids(account);
        for (uint256 i; i < ids.length; ++i) {
            int256 position = legs[i].size;
            uint256 price = legs[i].price;
            bool isLong = position > 0;
            uint256 size = isLong ? uint256(position) : uint256(-position);
            _reduceOpenInterest(ids[i], isLong, size);
            uint256 premium = isLong ? MarginMath.valueDown(size, price) : MarginMath.valueUp(size, price);
            emit PositionClosed(account, ids[i], isLong, size, price, premium, 0);
        }
        delete _book[account];

        // Closing every position at its valuation with the same rounding turns collateral into
        // equity; the pool's side of those trades is the difference. Below zero the pool
        // receives all the collateral and the rest is bad debt. Above the collateral, the pool
        // pays from its free balance and owes the rest as a claim.
        uint256 collateral = collateralOf[account];
        uint256 shortfall;
        uint256 credited;
        if (equity < 0) {
            shortfall = uint256(-equity);
            badDebt += shortfall;
            poolBalance += SafeCast.toUint128(collateral);
        } else {
            credited = uint256(equity);
            if (credited <= collateral) {
                poolBalance += SafeCast.toUint128(collateral - credited);
            } else {
                uint256 owed = credited - collateral;
                uint256 free = _freePool();
                if (owed > free) {
                    uint256 unpaid = owed - free;
                    owed = free;
                    credited -= unpaid;
                    claimOf[account] += unpaid;
                    totalClaims += SafeCast.toUint128(unpaid);
                    emit ClaimRecorded(account, unpaid);
                }
                poolBalance -= SafeCast.toUint128(owed);
            }
        }
        uint256 bonusWad = (mm * riskParams.liquidationBonusBps) / BPS;
        if (bonusWad > credited) bonusWad = credited;
        bonus = bonusWad / tokenScale;
        collateralOf[account] = credited - bonus * tokenScale;
        emit Liquidated(account, msg.sender, equity, mm, bonus, shortfall);
        if (bonus != 0) collateralToken.safeTransfer(msg.sender, bonus);
    }

    /// @notice Pay as much of `account`'s claim as the pool holds (at most the claim) into its
    /// collateral. Anyone may call.
    /// @return paid Wad credited to the account.
    function payClaim(address account) external nonReentrant returns (uint256 paid) {
        uint256 claim = claimOf[account];
        paid = claim < poolBalance ? claim : poolBalance;
        if (paid == 0) revert NothingToPay(account);
        claimOf[account] = claim - paid;
        totalClaims -= SafeCast.toUint128(paid);
        poolBalance -= SafeCast.toUint128(paid);
        collateralOf[account] += paid;
        emit ClaimPaid(account, paid);
    }

    // ---------------------------------------------------------------- reads

    /// @notice Equity, initial and maintenance margin of `account` under the engine's
    /// valuation, and whether no leg is PENDING (when one is, no action can use these numbers).
    function accountHealth(address account)
        external
        view
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin, bool pricesFresh)
    {
        MarginMath.Position[] memory legs;
        (legs, pricesFresh) = _legsView(account);
        (equity, initialMargin, maintenanceMargin) = _health(collateralOf[account], legs);
    }

    /// @notice Series ids in which `account` has an open position.
    function openSeriesOf(address account) external view returns (uint256[] memory) {
        return _ids(account);
    }

    /// @notice Whether `account` could be liquidated now (false if a leg is PENDING).
    function isLiquidatable(address account) external view returns (bool) {
        (MarginMath.Position[] memory legs, bool fresh) = _legsView(account);
        if (legs.length == 0 || !fresh) return false;
        (int256 equity,, uint256 mm) = _health(collateralOf[account], legs);
        return equity < int256(mm);
    }

    /// @notice How the mark of `seriesId` is treated now: state 0 USABLE, 1 PENDING, 2 MISSING,
    /// with the reason as a custom error's selector (0 when USABLE). `usable` = state 0.
    function markStatus(uint256 seriesId) external view returns (bool usable, bytes4 reason, uint8 state) {
        Valued memory v = _value(feed.mark(seriesId), seriesId, true);
        return (v.state == USABLE, v.reason, v.state);
    }

    /// @notice What the pool keeps for longs: Σ over series of longOI · unitReserve (rounded
    /// up), wad. An honest bound of what longs can be paid at proven marks (see README).
    function reservedForLongs() public view returns (uint256 total) {
        uint256 n = _longSeries.length;
        for (uint256 i; i < n; ++i) {
            uint256 id = _longSeries[i];
            uint256 longs = openInterest[id].longs;
            if (longs != 0) total += MarginMath.valueUp(longs, feed.mark(id).unitReserve);
        }
    }

    // ---------------------------------------------------------------- internal

    /// @dev Pool funds not owed to claims.
    function _freePool() internal view returns (uint256) {
        uint256 pool = poolBalance;
        uint256 claims = totalClaims;
        return pool > claims ? pool - claims : 0;
    }

    /// @dev The valuation of one side of a series now (see the contract NatSpec).
    function _value(IOptionPriceFeed.Mark memory k, uint256 seriesId, bool isLong)
        internal
        view
        returns (Valued memory v)
    {
        v.unitReserve = k.unitReserve;
        if (k.expiry == 0) {
            v.state = PENDING;
            v.reason = UnknownSeries.selector;
            return v;
        }
        seriesId;
        uint256 maxAge = riskParams.maxPriceAge;
        if (block.timestamp >= k.expiry) {
            if (k.settled) {
                v.price = k.price;
                v.spot = k.spot;
                return v;
            }
            if (!k.sequencerUp) (v.state, v.reason) = (PENDING, SequencerUnusable.selector);
            else if (block.timestamp - _max(k.expiry, k.usableSince) <= maxAge) (v.state, v.reason) = (PENDING, NotSettled.selector);
            else (v.state, v.reason) = (MISSING, NotSettled.selector);
        } else if (!k.sequencerUp) {
            (v.state, v.reason) = (PENDING, SequencerUnusable.selector);
        } else if (block.timestamp >= k.coveredUntil) {
            (v.state, v.reason) = (MISSING, ReduceOnly.selector);
        } else if (k.observedAt == 0) {
            (v.state, v.reason) = (PENDING, NoPrice.selector);
        } else if (block.timestamp - _max(k.observedAt, k.usableSince) > maxAge) {
            (v.state, v.reason) = (MISSING, StalePrice.selector);
        } else if (!k.current) {
            (v.state, v.reason) = (PENDING, PriceNotCurrent.selector);
        } else {
            v.spot = k.spot;
            v.fee = (k.spot * riskParams.feeBps) / BPS;
            if (isLong) {
                // A long is valued (and sells) at the bid; a buyer pays the ask.
                v.price = k.price > k.spread ? k.price - k.spread : 0;
            } else {
                uint256 ask = k.price + k.spread;
                uint256 tick = riskParams.minTick;
                v.price = ask > tick ? ask : tick;
            }
            return v;
        }
        // MISSING (or PENDING, unused): conservative — long 0, short at an upper bound.
        uint256 spot = k.spotNow > k.spot ? k.spotNow : k.spot;
        v.spot = spot;
        v.price = isLong ? 0 : (k.isCall ? spot : k.strike);
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    function _requireUsable(uint256 seriesId, Valued memory v, IOptionPriceFeed.Mark memory k) internal view {
        if (v.state == USABLE) return;
        if (v.state == PENDING) _revertPending(seriesId, v.reason, k);
        if (v.reason == ReduceOnly.selector) revert ReduceOnly(seriesId, k.coveredUntil);
        revert StalePrice(seriesId, k.observedAt, riskParams.maxPriceAge);
    }

    function _revertPendingSeries(uint256 seriesId) internal view {
        IOptionPriceFeed.Mark memory k = feed.mark(seriesId);
        Valued memory x = _value(k, seriesId, true);
        if (x.state != PENDING) revert RiskNotCurrent(seriesId, feed.risk(seriesId).observedAt);
        _revertPending(seriesId, x.reason, k);
    }

    function _revertPending(uint256 seriesId, bytes4 reason, IOptionPriceFeed.Mark memory k) internal pure {
        if (reason == NotSettled.selector) revert NotSettled(seriesId, k.expiry);
        if (reason == NoPrice.selector) revert NoPrice(seriesId);
        if (reason == SequencerUnusable.selector) revert SequencerUnusable(seriesId);
        if (reason == UnknownSeries.selector) revert UnknownSeries(seriesId);
        revert PriceNotCurrent(seriesId, k.observedAt);
    }

    /// @dev The account's legs valued for their side (reverts on a PENDING one), and the
    /// valuation and mark of `tradeOf` for the side the account now holds (zero if absent).
    /// A buyer of `tradeOf` is valued at the bid like every long, but pays the ask: the
    /// returned `v` for `tradeOf` is the FILL side (ask for a long, bid for a short).
    function _legs(address account, uint256 tradeOf)
        internal
        view
        returns (MarginMath.Position[] memory legs, Valued memory v, IOptionPriceFeed.Mark memory tradeMark)
    {
        uint256 pending;
        (legs, v, tradeMark, pending) = _legsOrPending(account, tradeOf);
        if (pending != 0) _revertPendingSeries(pending);
    }

    /// @dev As `_legs`, but returns the first PENDING series other than `tradeOf` (0 if none)
    /// instead of reverting, so that the caller can check the traded series first.
    function _legsOrPending(address account, uint256 tradeOf)
        internal
        view
        returns (MarginMath.Position[] memory legs, Valued memory v, IOptionPriceFeed.Mark memory tradeMark, uint256 pending)
    {
        uint256[] memory ids;
        (legs, ids) = _newLegs(account);
        uint256 n = ids.length;
        bool portfolio = portfolioParams.enabled;
        (IOptionPriceFeed.Mark[] memory marks, Vector[] memory risks) = _read(ids, portfolio);
        for (uint256 i; i < n; ++i) {
            uint256 seriesId = ids[i];
            MarginMath.Position memory leg = legs[i];
            int256 size = leg.size;
            IOptionPriceFeed.Mark memory k = marks[i];
            Valued memory x = _value(k, seriesId, size > 0);
            // The traded series is checked by the caller (expiry first, then usability).
            if (x.state == PENDING && seriesId != tradeOf && pending == 0) pending = seriesId;
            leg.price = x.price;
            leg.spot = x.spot;
            // A late risk vector is PENDING like a late mark (the traded series: by the caller).
            if (portfolio && _riskOf(leg, k, x, risks[i]) == RISK_LATE && seriesId != tradeOf && pending == 0) {
                pending = seriesId;
            }
            if (seriesId == tradeOf) {
                tradeMark = k;
                v = _value(k, seriesId, size < 0);
                v.risk = x.risk;
            }
        }
    }

    /// @dev The account's legs; `fresh` tells whether none is PENDING.
    function _legsView(address account) internal view returns (MarginMath.Position[] memory legs, bool fresh) {
        uint256[] memory ids;
        (legs, ids) = _newLegs(account);
        uint256 n = ids.length;
        fresh = true;
        bool portfolio = portfolioParams.enabled;
        (IOptionPriceFeed.Mark[] memory marks, Vector[] memory risks) = _read(ids, portfolio);
        for (uint256 i; i < n; ++i) {
            uint256 seriesId = ids[i];
            MarginMath.Position memory leg = legs[i];
            IOptionPriceFeed.Mark memory k = marks[i];
            Valued memory x = _value(k, seriesId, leg.size > 0);
            leg.price = x.price;
            leg.spot = x.spot;
            if (x.state == PENDING) fresh = false;
            if (portfolio && _riskOf(leg, k, x, risks[i]) == RISK_LATE) fresh = false;
        }
    }

    /// @dev The marks of `ids` and, under portfolio margin, their risk vectors: one feed call
    /// (`marksAndRisks`, packed words decoded here; the scenario arrays point into its data).
    function _read(uint256[] memory ids, bool withRisk)
        internal
        view
        returns (IOptionPriceFeed.Mark[] memory marks, Vector[] memory risks)
    {
        uint256 n = ids.length;
        if (n == 0 || (n == 1 && !withRisk)) {
            marks = new IOptionPriceFeed.Mark[](n);
            // One mark: the single read is cheaper than the batch.
            if (n == 1) marks[0] = feed.mark(ids[0]);
            return (marks, risks);
        }
        // Every field of every element is written below: the elements are not zeroed first.
        uint256 nr = withRisk ? n : 0;
        assembly ("memory-safe") {
            marks := mload(0x40)
            mstore(marks, n)
            risks := add(marks, shl(5, add(n, 1)))
            mstore(risks, nr)
            let p := add(risks, shl(5, add(nr, 1)))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(marks, shl(5, add(i, 1))), p)
                p := add(p, 0x1c0) // 14 words
            }
            for { let i := 0 } lt(i, nr) { i := add(i, 1) } {
                mstore(add(risks, shl(5, add(i, 1))), p)
                p := add(p, 0xc0) // 6 words
            }
            mstore(0x40, p)
        }
        uint256[] memory d = _batch(ids, withRisk);
        // Field offsets: Mark as declared in IOptionPriceFeed (14 words), Vector here (6 words).
        assembly ("memory-safe") {
            let base := add(d, 0x20)
            let up := iszero(iszero(mload(base)))
            let since := mload(add(base, 0x20))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let k := mload(add(marks, shl(5, add(i, 1))))
                let b := add(base, shl(5, add(2, shl(2, i))))
                let w := mload(b)
                mstore(k, and(w, 0xffffffffffffffffffffffffffffffff)) // price
                mstore(add(k, 0x20), shr(128, w)) // spot
                mstore(add(k, 0x60), mload(add(b, 0x20))) // spotNow
                w := mload(add(b, 0x40))
                mstore(add(k, 0x80), and(w, 0xffffffffffffffffffffffffffffffff)) // strike
                mstore(add(k, 0x40), and(shr(128, w), 0xffffffffff)) // observedAt
                mstore(add(k, 0xa0), and(shr(168, w), 0xffffffffff)) // expiry
                mstore(add(k, 0xc0), and(shr(208, w), 0xffffffffff)) // coveredUntil
                mstore(add(k, 0x120), and(shr(248, w), 1)) // isCall
                mstore(add(k, 0x140), and(shr(249, w), 1)) // settled
                mstore(add(k, 0x160), and(shr(250, w), 1)) // current
                w := mload(add(b, 0x60))
                mstore(add(k, 0xe0), and(w, 0xffffffffffffffffffffffffffffffff)) // spread
                mstore(add(k, 0x100), shr(128, w)) // unitReserve
                mstore(add(k, 0x180), up) // sequencerUp
                mstore(add(k, 0x1a0), since) // usableSince
            }
        }
        bool ok = true;
        assembly ("memory-safe") {
            let base := add(d, 0x20)
            let len := mload(d)
            let at := add(2, shl(2, n))
            for { let i := 0 } lt(i, nr) { i := add(i, 1) } {
                let r := mload(add(risks, shl(5, add(i, 1))))
                let rp := add(base, shl(5, at))
                // The record's 4 words, then its m scenarios, within the array (m <= len: no overflow).
                if gt(add(at, 4), len) {
                    ok := 0
                    break
                }
                let m := mload(add(rp, 0x60))
                if gt(m, len) {
                    ok := 0
                    break
                }
                at := add(at, add(4, m))
                if gt(at, len) {
                    ok := 0
                    break
                }
                let w := mload(rp)
                mstore(add(r, 0x60), and(w, 0xffffffffff)) // observedAt
                mstore(add(r, 0x80), and(shr(40, w), 1)) // current
                mstore(add(r, 0x40), shr(128, w)) // unit
                mstore(r, mload(add(rp, 0x20))) // group
                mstore(add(r, 0x20), mload(add(rp, 0x40))) // mark
                // d[at + 3] (the scenario count) is the length word of the scenarios that follow it.
                mstore(add(r, 0xa0), add(rp, 0x60)) // scenarios
            }
        }
        if (!ok) revert FeedDataMalformed();
    }

    /// @dev `feed.marksAndRisks(ids, withRisk)`, its returned array used in place.
    function _batch(uint256[] memory ids, bool withRisk) internal view returns (uint256[] memory d) {
        bytes memory call_ = abi.encodeCall(IOptionPriceFeed.marksAndRisks, (ids, withRisk));
        address f = address(feed);
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), f, add(call_, 0x20), mload(call_), 0, 0)
            let size := returndatasize()
            if iszero(ok) {
                let e := mload(0x40)
                returndatacopy(e, 0, size)
                revert(e, size)
            }
            let p := mload(0x40)
            returndatacopy(p, 0, size)
            d := add(p, 0x20)
            // ABI of one uint256[]: offset 0x20, length, the words.
            ok := and(gt(size, 0x3f), eq(mload(p), 0x20))
            // The length must account for exactly the returned words (no wrap of shl).
            if ok { ok := and(lt(mload(d), shr(5, size)), eq(size, add(0x40, shl(5, mload(d))))) }
            mstore(0x40, add(p, size))
        }
        if (!ok || d.length < 2 + 4 * ids.length) revert FeedDataMalformed();
    }

    /// @dev Portfolio margin: fills the leg's terms, bounds and (if current) risk vector, and
    /// returns (and stores in `x.risk`) how the vector is treated. The vector is used only if the
    /// mark is USABLE before expiry and the vector is current, for this very observation and
    /// mark (its mark scenario within the feed's rounding `unit` below the mark), with
    /// 1..MAX_SCENARIOS scenarios (a short's moved up by `unit` more than the spread); a vector that is not but is at most `maxPriceAge`
    /// old is late (PENDING); otherwise the leg is margined alone at its bounds: a long down to 0,
    /// a short up to max(unitReserve, the MISSING bound, mark) + spread (a settled leg: its price).
    function _riskOf(
        MarginMath.Position memory leg,
        IOptionPriceFeed.Mark memory k,
        Valued memory x,
        Vector memory r
    ) internal view returns (uint8)
    {
        leg.spread = k.spread;
        leg.strike = k.strike;
        leg.isCall = k.isCall;
        if (k.settled && block.timestamp >= k.expiry) {
            (leg.lo, leg.hi) = (x.price, x.price);
            return x.risk = RISK_FALLBACK;
        }
        uint256 hi = _max(k.unitReserve, k.isCall ? _max(k.spotNow, k.spot) : k.strike);
        hi = _max(hi, k.price) + k.spread;
        leg.hi = _max(hi, x.price);
        if (x.state != USABLE) return x.risk = RISK_FALLBACK;
        if (r.group == bytes32(0)) return x.risk = RISK_FALLBACK;
        uint256 m = r.scenarios.length;
        if (r.current && r.observedAt == k.observedAt && r.mark <= k.price && k.price - r.mark <= r.unit && m != 0 && m <= MAX_SCENARIOS) {
            leg.group = r.group;
            leg.scenarios = r.scenarios;
            // Scenario prices come rounded down by less than `unit`: a short's are raised by it.
            if (leg.size < 0) leg.spread = k.spread + r.unit;
            return x.risk = RISK_VECTOR;
        }
        if (_max(r.observedAt, k.usableSince) + riskParams.maxPriceAge >= block.timestamp) return x.risk = RISK_LATE;
        return x.risk = RISK_FALLBACK;
    }

    /// @dev Equity, IM and MM of `legs` under the rule in force (flat, or portfolio margin).
    function _health(uint256 collateral, MarginMath.Position[] memory legs)
        internal
        view
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin)
    {
        RiskParams memory rp = riskParams;
        PortfolioParams memory pp = portfolioParams;
        if (!pp.enabled) return MarginMath.healthFlat(collateral, legs, rp.imBps, rp.mmBps);
        MarginMath.Rule memory rule = MarginMath.Rule({
            imFactorBps: pp.imFactorBps,
            mmFactorBps: pp.mmFactorBps,
            imFloorABps: pp.imFloorABps,
            imFloorBBps: pp.imFloorBBps,
            mmFloorABps: pp.mmFloorABps,
            mmFloorBBps: pp.mmFloorBBps,
            minTick: rp.minTick
        });
        (equity, initialMargin, maintenanceMargin,) = MarginMath.portfolioHealth(collateral, legs, rule);
    }

    /// @dev Caps against the free pool: this side's open interest and the account's position,
    /// each times `unitReserve`. Increases the open interest.
    function _checkCaps(uint256 seriesId, bool isLong, uint256 size, uint256 newSize, uint256 unitReserve) internal {
        OpenInterest memory oi = openInterest[seriesId];
        uint256 free = _freePool();
        uint256 sideOI = (isLong ? uint256(oi.longs) : uint256(oi.shorts)) + size;
        {
            uint256 cap = (free * riskParams.seriesCapBps) / BPS;
            uint256 exposure = MarginMath.valueUp(sideOI, unitReserve);
            if (exposure > cap) revert OpenInterestCap(seriesId, exposure, cap);
            cap = (free * riskParams.accountCapBps) / BPS;
            exposure = MarginMath.valueUp(newSize, unitReserve);
            if (exposure > cap) revert OpenInterestCap(seriesId, exposure, cap);
        }
        // sideOI <= 2 · MAX_SIZE would overflow uint120 only past the caps' range; checked.
        if (sideOI > type(uint120).max) revert SizeTooLarge(sideOI);
        if (isLong) {
            oi.longs = uint120(sideOI);
            if (!oi.tracked) {
                oi.tracked = true;
                _longSeries.push(seriesId);
            }
        } else {
            oi.shorts = uint120(sideOI);
        }
        openInterest[seriesId] = oi;
    }

    function _reduceOpenInterest(uint256 seriesId, bool isLong, uint256 size) internal {
        OpenInterest storage oi = openInterest[seriesId];
        if (isLong) oi.longs -= uint120(size);
        else oi.shorts -= uint120(size);
    }

    /// @dev `equity >= initialMargin` for the account's positions (`legs`, with their current
    /// sizes) and its current collateral.
    function _requireInitialMargin(address account, MarginMath.Position[] memory legs) internal view {
        if (legs.length == 0) return;
        (int256 equity, uint256 im,) = _health(collateralOf[account], legs);
        if (equity < int256(im)) revert InitialMarginViolated(equity, im);
    }

    function _accountPaysPool(address account, uint256 amount) internal {
        if (amount == 0) return;
        uint256 available = collateralOf[account];
        if (amount > available) revert InsufficientCollateral(available, amount);
        collateralOf[account] = available - amount;
        poolBalance += SafeCast.toUint128(amount);
    }

    function _poolPaysAccount(address account, uint256 amount) internal {
        uint256 available = _freePool();
        if (amount > available) revert InsufficientPoolLiquidity(available, amount);
        poolBalance -= SafeCast.toUint128(amount);
        collateralOf[account] += amount;
    }

    /// @dev The pool pays what it can of `amount` from its free balance; the rest is a claim.
    function _poolPaysOrOwes(address account, uint256 amount) internal {
        uint256 available = _freePool();
        uint256 paid = amount;
        if (amount > available) {
            paid = available;
            uint256 unpaid = amount - available;
            claimOf[account] += unpaid;
            totalClaims += SafeCast.toUint128(unpaid);
            emit ClaimRecorded(account, unpaid);
        }
        poolBalance -= SafeCast.toUint128(paid);
        collateralOf[account] += paid;
    }

    /// @notice Signed position size of `account` in `seriesId` (> 0 long, < 0 short), wad.
    function positionOf(address account, uint256 seriesId) external view returns (int256 size) {
        (size,) = _positionLane(account, seriesId);
    }

    /// @dev The account's size in `seriesId` and its lane (MAX_POSITIONS and size 0 if none).
    function _positionLane(address account, uint256 seriesId) internal view returns (int256 size, uint256 lane) {
        uint256[5] storage book = _book[account];
        uint256 packed = book[0];
        for (; lane < MAX_POSITIONS; ++lane) {
            uint256 id = (packed >> (32 * lane)) & type(uint32).max;
            if (id == 0) return (0, MAX_POSITIONS);
            if (id == seriesId) return (_sizeAt(book, lane), lane);
        }
    }

    /// @dev The size in lane `lane` of a book.
    function _sizeAt(uint256[5] storage book, uint256 lane) internal view returns (int256) {
        unchecked {
            // lane < MAX_POSITIONS = 8
            return int256(int128(uint128(book[1 + lane / 2] >> (128 * (lane % 2)))));
        }
    }

    /// @dev Sets the size in lane `lane` of a book (|size| <= MAX_SIZE fits int128).
    function _setSizeAt(uint256[5] storage book, uint256 lane, int256 size) internal {
        uint256 i = 1 + lane / 2;
        uint256 sh = 128 * (lane % 2);
        book[i] = (book[i] & ~(uint256(type(uint128).max) << sh)) | (uint256(uint128(int128(size))) << sh);
    }

    /// @dev The account's open series ids (lane order) and a leg per series with its size.
    function _newLegs(address account) internal view returns (MarginMath.Position[] memory legs, uint256[] memory ids) {
        ids = _ids(account);
        legs = new MarginMath.Position[](ids.length);
        uint256[5] storage book = _book[account];
        for (uint256 i; i < ids.length; ++i) {
            legs[i].size = _sizeAt(book, i);
        }
    }

    /// @dev The account's open series ids, in lane order.
    function _ids(address account) internal view returns (uint256[] memory ids) {
        uint256 packed = _book[account][0];
        uint256 n;
        unchecked {
            // n, i < MAX_POSITIONS = 8
            while (n < MAX_POSITIONS && (packed >> (32 * n)) & type(uint32).max != 0) ++n;
            ids = new uint256[](n);
            for (uint256 i; i < n; ++i) {
                ids[i] = (packed >> (32 * i)) & type(uint32).max;
            }
        }
    }

    /// @dev Adds `seriesId` (absent) in the first free lane; returns the lane.
    function _addSeries(address account, uint256 seriesId) internal returns (uint256 n) {
        if (seriesId > type(uint32).max) revert UnknownSeries(seriesId);
        uint256[5] storage book = _book[account];
        uint256 packed = book[0];
        while (n < MAX_POSITIONS && (packed >> (32 * n)) & type(uint32).max != 0) ++n;
        if (n == MAX_POSITIONS) revert TooManyPositions();
        book[0] = packed | (seriesId << (32 * n));
    }

    /// @dev Remove `seriesId` (present) and its size: the last lane (id and size) moves into its place.
    function _removeSeries(address account, uint256 seriesId) internal {
        uint256[5] storage book = _book[account];
        uint256 packed = book[0];
        uint256 n;
        uint256 at = MAX_POSITIONS;
        while (n < MAX_POSITIONS) {
            uint256 id = (packed >> (32 * n)) & type(uint32).max;
            if (id == 0) break;
            if (id == seriesId) at = n;
            ++n;
        }
        uint256 last = (packed >> (32 * (n - 1))) & type(uint32).max;
        uint256 mask = uint256(type(uint32).max);
        packed &= ~(mask << (32 * (n - 1)));
        if (at != n - 1) {
            packed = (packed & ~(mask << (32 * at))) | (last << (32 * at));
            _setSizeAt(book, at, _sizeAt(book, n - 1));
        }
        _setSizeAt(book, n - 1, 0);
        book[0] = packed;
    }

    function _setPortfolioParams(PortfolioParams memory p) internal {
        if (p.mmFactorBps < BPS || p.mmFactorBps > MAX_FACTOR_BPS) revert InvalidPortfolioParams("mmFactorBps", p.mmFactorBps);
        if (p.imFactorBps < p.mmFactorBps || p.imFactorBps > MAX_FACTOR_BPS) {
            revert InvalidPortfolioParams("imFactorBps", p.imFactorBps);
        }
        if (p.imFloorABps > BPS) revert InvalidPortfolioParams("imFloorABps", p.imFloorABps);
        if (p.imFloorBBps > BPS) revert InvalidPortfolioParams("imFloorBBps", p.imFloorBBps);
        if (p.mmFloorABps > p.imFloorABps) revert InvalidPortfolioParams("mmFloorABps", p.mmFloorABps);
        if (p.mmFloorBBps > p.imFloorBBps) revert InvalidPortfolioParams("mmFloorBBps", p.mmFloorBBps);
        portfolioParams = p;
        emit PortfolioParamsSet(p);
    }

    function _setRiskParams(RiskParams memory p) internal {
        if (
            p.mmBps > p.imBps || p.imBps > BPS || p.liquidationBonusBps > BPS || p.maxPriceAge == 0
                || p.feeBps > MAX_FEE_BPS || p.seriesCapBps == 0 || p.seriesCapBps > BPS || p.accountCapBps == 0
                || p.accountCapBps > BPS || p.minTick == 0
        ) {
            revert InvalidRiskParams();
        }
        riskParams = p;
        emit RiskParamsSet(p);
    }
}
