// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IOptionPriceFeed} from "./interfaces/IOptionPriceFeed.sol";
import {MarginMath} from "./libraries/MarginMath.sol";

/// @title MarginEngine
/// @notice Holds ERC-20 collateral for accounts that open long and short option positions
/// on the series of a proven-price feed, trading at the proven mark price, and lets anyone
/// liquidate an account below maintenance margin.
///
/// Accounting (all internal amounts wad, see `MarginMath` for the formulas and rounding):
/// * collateral is kept in wad: a deposit of `amount` token units credits
///   `amount · 10^(18 − tokenDecimals)` exactly; a withdrawal of `amount` token units debits
///   the same exact wad amount, so up to `10^(18 − d) − 1` wad of dust (from bonuses, rounded
///   down to whole token units) can stay in an account;
/// * opening a long of `size` at price `p` pays `ceil(size · p / 1e18)` from collateral;
///   opening a short credits `floor(size · p / 1e18)`; closing reverses the trade at the then
///   current mark (selling a long credits floor, buying back a short costs ceil);
/// * equity = collateral + Σ signed position value; IM / MM per short unit are
///   `price + imBps · spot / 1e4` / `price + mmBps · spot / 1e4`, longs need only their paid
///   premium; opening and withdrawing require `equity >= initialMargin` afterwards; an
///   account is liquidatable when `equity < maintenanceMargin`.
///
/// Prices: the mark `price` and the `spot` of a series come from one proven observation
/// of the feed. Before expiry a mark is usable only when it is CURRENT: proven for the spot
/// oracle's latest round (`feed.isCurrent`) and not older than `maxPriceAge`. Every action
/// that values or trades a position (open, close, withdraw with open positions, liquidate)
/// reverts otherwise (`NoPrice`, `StalePrice`, `PriceNotCurrent`): a mark that no longer
/// reflects the oracle blocks these actions and can never trigger a liquidation; a keeper
/// proves the new round's price. While the oracle state is outside the model's declared
/// input ranges no price can be proven, so the series' positions are frozen until it
/// returns (or until settlement). Deposits never need a price.
///
/// Expiry: no position can be opened at or after a series' expiry. From expiry on, the
/// pre-expiry mark is never used: valuation, close, withdraw-with-positions and liquidation
/// need the feed's settlement price (intrinsic value, final, never stale) and revert
/// (`NotSettled`) until the series is settled.
///
/// Slippage: `openPosition` and `closePosition` take a `limitPrice` per unit (wad): the most a
/// buyer pays (opening a long, closing a short), the least a seller receives (opening a
/// short, closing a long); otherwise they revert (`PriceLimitExceeded`).
///
/// Counterparty: a liquidity pool inside the engine is the counterparty of every trade
/// (peer-to-pool; longs and shorts are not matched). Premiums paid by accounts go to the pool,
/// premiums and sale proceeds received by accounts come from it, and a trade the pool cannot
/// pay from its free balance reverts (`InsufficientPoolLiquidity`). Anyone can add to the pool
/// (`fundPool`); governance can take out its free balance (`withdrawPool`). The token balance
/// of the engine always equals `Σ collateralOf + poolBalance` (no rounding leak: both sides
/// of every flow use the same rounded amount). What a liquidated account cannot cover is lost
/// by the pool and recorded in `badDebt`.
///
/// Pool shortfall: a liquidation never reverts for lack of pool liquidity. When the closed
/// positions are owed more than the pool's free balance, the account is credited what the
/// pool has and the rest is recorded as the account's claim (`claimOf`, total `totalClaims`).
/// Claims rank before the pool's other uses: the free balance is `poolBalance − totalClaims`
/// (trades and `withdrawPool` can use only that), and anyone can pay a claim out of the pool
/// into the account's collateral with `payClaim` as soon as the pool holds funds. A claim is
/// not collateral until paid (it does not count as equity).
///
/// Tokens: standard ERC-20s with at most 18 decimals. Fee-on-transfer and rebasing tokens
/// are not supported (deposits credit the requested amount).
contract MarginEngine is Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Governance-set risk parameters.
    /// @param imBps Initial-margin spot buffer per short unit, basis points of spot.
    /// @param mmBps Maintenance-margin spot buffer per short unit, basis points (<= imBps).
    /// @param liquidationBonusBps Liquidator's bonus, basis points of the maintenance margin,
    /// paid from the liquidated account's remaining collateral.
    /// @param maxPriceAge Largest accepted age of a proven price, seconds.
    struct RiskParams {
        uint16 imBps;
        uint16 mmBps;
        uint16 liquidationBonusBps;
        uint32 maxPriceAge;
    }

    uint256 internal constant BPS = 10_000;
    /// @notice Maximum number of series with an open position per account (bounds the gas of
    /// valuing an account, hence of liquidating it).
    uint256 public constant MAX_POSITIONS = 8;
    /// @notice Maximum absolute position size, wad units of underlying.
    uint256 public constant MAX_SIZE = type(uint128).max;

    /// @notice The collateral token.
    IERC20 public immutable collateralToken;
    /// @notice 10^(18 − token decimals): wad per token unit.
    uint256 public immutable tokenScale;
    /// @notice The proven-price feed.
    IOptionPriceFeed public immutable feed;

    /// @notice Current risk parameters.
    RiskParams public riskParams;
    /// @notice Losses that liquidated accounts could not cover (absorbed by the pool), wad.
    uint256 public badDebt;
    /// @notice Funds of the counterparty pool, wad (including what is owed to claims).
    uint256 public poolBalance;
    /// @notice Sum of all unpaid claims, wad: the part of `poolBalance` reserved for them (or,
    /// when larger than it, the pool's deficit towards accounts).
    uint256 public totalClaims;
    /// @notice What liquidations owe an account that the pool could not pay yet, wad.
    mapping(address account => uint256) public claimOf;

    /// @notice Collateral of an account, wad.
    mapping(address account => uint256) public collateralOf;
    /// @notice Signed position size of an account in a series (> 0 long, < 0 short), wad.
    mapping(address account => mapping(uint256 seriesId => int256)) public positionOf;
    mapping(address account => uint256[]) internal _seriesOf;

    /// @notice Collateral was deposited (`amount` token units = `wad`).
    event Deposited(address indexed account, uint256 amount, uint256 wad);
    /// @notice Collateral was withdrawn (`amount` token units = `wad`).
    event Withdrawn(address indexed account, uint256 amount, uint256 wad);
    /// @notice A position was opened or increased at `price`; `premium` paid (long) or received (short).
    event PositionOpened(
        address indexed account, uint256 indexed seriesId, bool isLong, uint256 size, uint256 price, uint256 premium
    );
    /// @notice A position was reduced at `price`; `premium` received (long) or paid (short).
    event PositionClosed(
        address indexed account, uint256 indexed seriesId, bool isLong, uint256 size, uint256 price, uint256 premium
    );
    /// @notice An account was liquidated: all positions closed at mark, `bonus` token units
    /// paid to the liquidator, `shortfall` wad added to bad debt.
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
    /// @notice The pool could not pay a liquidated account in full: `amount` wad added to its claim.
    event ClaimRecorded(address indexed account, uint256 amount);
    /// @notice `amount` wad of an account's claim were paid into its collateral.
    event ClaimPaid(address indexed account, uint256 amount);
    /// @notice Risk parameters were set (also at construction).
    event RiskParamsSet(RiskParams params);

    /// @dev An amount or size is zero.
    error ZeroAmount();
    /// @dev The collateral token has more than 18 decimals.
    error UnsupportedTokenDecimals(uint8 decimals);
    /// @dev mmBps > imBps, a bps value > 10,000 or maxPriceAge == 0.
    error InvalidRiskParams();
    /// @dev The feed has no series with this id.
    error UnknownSeries(uint256 seriesId);
    /// @dev The series has expired: no new positions.
    error SeriesExpired(uint256 seriesId, uint256 expiry);
    /// @dev The series has no proven price yet.
    error NoPrice(uint256 seriesId);
    /// @dev The series' proven price is older than `maxPriceAge`.
    error StalePrice(uint256 seriesId, uint256 observedAt, uint256 maxPriceAge);
    /// @dev The series' proven price is not for the spot oracle's latest round.
    error PriceNotCurrent(uint256 seriesId, uint256 observedAt);
    /// @dev The series has expired and is not settled yet (the pre-expiry mark is not used).
    error NotSettled(uint256 seriesId, uint256 expiry);
    /// @dev The mark is above a buyer's or below a seller's limit price per unit.
    error PriceLimitExceeded(uint256 price, uint256 limitPrice);
    /// @dev The account has no claim to pay, or the pool has nothing to pay it with.
    error NothingToPay(address account);
    /// @dev Opening on the side opposite to the open position (close it first).
    error OppositePosition(uint256 seriesId, int256 position);
    /// @dev The account already has MAX_POSITIONS open series.
    error TooManyPositions();
    /// @dev The resulting position would exceed MAX_SIZE.
    error SizeTooLarge(uint256 size);
    /// @dev Closing more than the open position.
    error CloseExceedsPosition(uint256 seriesId, uint256 size, int256 position);
    /// @dev Collateral is smaller than a premium, a buy-back cost or a withdrawal.
    error InsufficientCollateral(uint256 available, uint256 needed);
    /// @dev The pool cannot pay a premium, sale proceeds or a withdrawal.
    error InsufficientPoolLiquidity(uint256 available, uint256 needed);
    /// @dev After the action equity would be below the initial margin.
    error InitialMarginViolated(int256 equity, uint256 initialMargin);
    /// @dev The account is not below maintenance margin (or has no positions).
    error AccountHealthy(int256 equity, uint256 maintenanceMargin);

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

    /// @notice Take `amount` token units out of the pool's free balance (never what is owed
    /// to claims; governance keeps the pool able to pay the accounts' long positions and short
    /// premiums, which the engine does not reserve).
    function withdrawPool(address to, uint256 amount) external onlyOwner nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        uint256 available = _freePool();
        if (wad > available) revert InsufficientPoolLiquidity(available, wad);
        poolBalance -= wad;
        emit PoolWithdrawn(to, amount, wad);
        collateralToken.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- collateral

    /// @notice Add `amount` token units to the counterparty pool (not credited to any account).
    function fundPool(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        poolBalance += wad;
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

    /// @notice Withdraw `amount` token units; with open positions, needs usable marks (current
    /// before expiry, settled after) and `equity >= initialMargin` afterwards.
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        uint256 available = collateralOf[msg.sender];
        if (wad > available) revert InsufficientCollateral(available, wad);
        collateralOf[msg.sender] = available - wad;
        (MarginMath.Leg[] memory legs,) = _legs(msg.sender, 0);
        _requireInitialMargin(msg.sender, legs);
        emit Withdrawn(msg.sender, amount, wad);
        collateralToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- trading

    /// @notice Open (or increase) a long or short position of `size` wad units of underlying
    /// in `seriesId` at the current proven mark price. Requires a current mark for every
    /// position of the account and `equity >= initialMargin` afterwards.
    /// @param limitPrice Per unit, wad: the most a long pays, the least a short receives.
    /// @return premium Paid (long, rounded up) or received (short, rounded down), wad.
    function openPosition(uint256 seriesId, bool isLong, uint256 size, uint256 limitPrice)
        external
        nonReentrant
        returns (uint256 premium)
    {
        if (size == 0) revert ZeroAmount();
        uint256 expiry = feed.seriesExpiry(seriesId);
        if (expiry == 0) revert UnknownSeries(seriesId);
        if (block.timestamp >= expiry) revert SeriesExpired(seriesId, expiry);

        int256 position = positionOf[msg.sender][seriesId];
        if (position != 0 && (position > 0) != isLong) revert OppositePosition(seriesId, position);
        uint256 newSize = (position >= 0 ? uint256(position) : uint256(-position)) + size;
        if (newSize > MAX_SIZE) revert SizeTooLarge(newSize);
        if (position == 0) {
            if (_seriesOf[msg.sender].length >= MAX_POSITIONS) revert TooManyPositions();
            _seriesOf[msg.sender].push(seriesId);
        }
        positionOf[msg.sender][seriesId] = isLong ? int256(newSize) : -int256(newSize);

        // Every position's mark (this series' included) must be usable; read each once.
        (MarginMath.Leg[] memory legs, uint256 price) = _legs(msg.sender, seriesId);
        if (isLong ? price > limitPrice : price < limitPrice) revert PriceLimitExceeded(price, limitPrice);
        if (isLong) {
            premium = MarginMath.valueUp(size, price);
            _accountPaysPool(msg.sender, premium);
        } else {
            premium = MarginMath.valueDown(size, price);
            _poolPaysAccount(msg.sender, premium);
        }
        _requireInitialMargin(msg.sender, legs);
        emit PositionOpened(msg.sender, seriesId, isLong, size, price, premium);
    }

    /// @notice Reduce the caller's position in `seriesId` by `size` at the current proven mark,
    /// or at the settlement price from expiry on (needs a usable mark for that series only;
    /// closing never increases risk).
    /// @param limitPrice Per unit, wad: the least a long's sale receives, the most a short's
    /// buy-back pays.
    /// @return premium Received (long, rounded down) or paid (short, rounded up), wad.
    function closePosition(uint256 seriesId, uint256 size, uint256 limitPrice)
        external
        nonReentrant
        returns (uint256 premium)
    {
        if (size == 0) revert ZeroAmount();
        int256 position = positionOf[msg.sender][seriesId];
        uint256 held = position >= 0 ? uint256(position) : uint256(-position);
        if (size > held) revert CloseExceedsPosition(seriesId, size, position);
        (uint256 price,) = _mark(seriesId, feed.seriesExpiry(seriesId));

        bool isLong = position > 0;
        if (isLong ? price < limitPrice : price > limitPrice) revert PriceLimitExceeded(price, limitPrice);
        uint256 remaining = held - size;
        positionOf[msg.sender][seriesId] = isLong ? int256(remaining) : -int256(remaining);
        if (remaining == 0) _removeSeries(msg.sender, seriesId);

        if (isLong) {
            premium = MarginMath.valueDown(size, price);
            _poolPaysAccount(msg.sender, premium);
        } else {
            premium = MarginMath.valueUp(size, price);
            _accountPaysPool(msg.sender, premium);
        }
        emit PositionClosed(msg.sender, seriesId, isLong, size, price, premium);
    }

    /// @notice Liquidate `account` if `equity < maintenanceMargin` at usable marks (current
    /// before expiry, settled after): close all its positions at mark (collateral becomes
    /// `equity`), pay the caller a bonus of `liquidationBonusBps · maintenanceMargin / 1e4`
    /// (rounded down to whole token units, capped by what the account is credited) and record
    /// any negative equity as bad debt. Reverts on any unusable mark, never for lack of pool
    /// liquidity: what the pool's free balance cannot pay becomes the account's claim.
    /// @return bonus Token units paid to the caller.
    function liquidate(address account) external nonReentrant returns (uint256 bonus) {
        (MarginMath.Leg[] memory legs,) = _legs(account, 0);
        (int256 equity,, uint256 mm) =
            MarginMath.health(collateralOf[account], legs, riskParams.imBps, riskParams.mmBps);
        if (legs.length == 0 || equity >= int256(mm)) revert AccountHealthy(equity, mm);

        uint256[] memory ids = _seriesOf[account];
        for (uint256 i; i < ids.length; ++i) {
            delete positionOf[account][ids[i]];
            int256 position = legs[i].size;
            uint256 price = legs[i].price;
            bool isLong = position > 0;
            uint256 size = isLong ? uint256(position) : uint256(-position);
            uint256 premium = isLong ? MarginMath.valueDown(size, price) : MarginMath.valueUp(size, price);
            emit PositionClosed(account, ids[i], isLong, size, price, premium);
        }
        delete _seriesOf[account];

        // Closing every position at mark with the same rounding turns collateral into equity;
        // the pool's side of those trades is the difference. Below zero the pool receives all
        // the collateral and the rest is bad debt. Above the collateral, the pool pays from its
        // free balance and owes the rest as a claim.
        uint256 collateral = collateralOf[account];
        uint256 shortfall;
        uint256 credited;
        if (equity < 0) {
            shortfall = uint256(-equity);
            badDebt += shortfall;
            poolBalance += collateral;
        } else {
            credited = uint256(equity);
            if (credited <= collateral) {
                poolBalance += collateral - credited;
            } else {
                uint256 owed = credited - collateral;
                uint256 free = _freePool();
                if (owed > free) {
                    uint256 unpaid = owed - free;
                    owed = free;
                    credited -= unpaid;
                    claimOf[account] += unpaid;
                    totalClaims += unpaid;
                    emit ClaimRecorded(account, unpaid);
                }
                poolBalance -= owed;
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
        totalClaims -= paid;
        poolBalance -= paid;
        collateralOf[account] += paid;
        emit ClaimPaid(account, paid);
    }

    // ---------------------------------------------------------------- reads

    /// @notice Equity, initial and maintenance margin of `account` at the latest prices, and
    /// whether all of them are usable (current before expiry, settled after; when not, no
    /// action can use these numbers).
    function accountHealth(address account)
        external
        view
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin, bool pricesFresh)
    {
        MarginMath.Leg[] memory legs;
        (legs, pricesFresh) = _legsView(account);
        (equity, initialMargin, maintenanceMargin) =
            MarginMath.health(collateralOf[account], legs, riskParams.imBps, riskParams.mmBps);
    }

    /// @notice Series ids in which `account` has an open position.
    function openSeriesOf(address account) external view returns (uint256[] memory) {
        return _seriesOf[account];
    }

    /// @notice Whether `account` could be liquidated now (false if any mark is unusable).
    function isLiquidatable(address account) external view returns (bool) {
        (MarginMath.Leg[] memory legs, bool fresh) = _legsView(account);
        if (legs.length == 0 || !fresh) return false;
        (int256 equity,, uint256 mm) = MarginMath.health(collateralOf[account], legs, riskParams.imBps, riskParams.mmBps);
        return equity < int256(mm);
    }

    /// @notice Whether the mark of `seriesId` is usable now (current before expiry, settled
    /// after), with the reason as the custom error's selector (0 when usable).
    function markStatus(uint256 seriesId) external view returns (bool usable, bytes4 reason) {
        (,, reason) = _markStatus(seriesId, feed.seriesExpiry(seriesId));
        usable = reason == bytes4(0);
    }

    // ---------------------------------------------------------------- internal

    /// @dev Pool funds not owed to claims.
    function _freePool() internal view returns (uint256) {
        uint256 pool = poolBalance;
        uint256 claims = totalClaims;
        return pool > claims ? pool - claims : 0;
    }

    /// @dev Mark price and spot of a series with `expiry`; reverts unless usable: before
    /// expiry proven, not older than maxPriceAge and current (spot oracle's latest round);
    /// from expiry on, settled (the final price, never stale).
    function _mark(uint256 seriesId, uint256 expiry) internal view returns (uint256 price, uint256 spot) {
        bytes4 reason;
        (price, spot, reason) = _markStatus(seriesId, expiry);
        if (reason != bytes4(0)) {
            (,, uint256 observedAt,,) = feed.latestObservation(seriesId);
            if (reason == NotSettled.selector) revert NotSettled(seriesId, expiry);
            if (reason == NoPrice.selector) revert NoPrice(seriesId);
            if (reason == StalePrice.selector) revert StalePrice(seriesId, observedAt, riskParams.maxPriceAge);
            revert PriceNotCurrent(seriesId, observedAt);
        }
    }

    /// @dev See `_mark`; `reason` is 0 when the mark is usable, else the selector of the error.
    function _markStatus(uint256 seriesId, uint256 expiry)
        internal
        view
        returns (uint256 price, uint256 spot, bytes4 reason)
    {
        uint256 observedAt;
        uint256 roundId;
        bool settled;
        (price, spot, observedAt, roundId, settled) = feed.latestObservation(seriesId);
        if (block.timestamp >= expiry) {
            if (!settled) reason = NotSettled.selector;
        } else if (roundId == 0) {
            reason = NoPrice.selector;
        } else if (block.timestamp - observedAt > riskParams.maxPriceAge) {
            reason = StalePrice.selector;
        } else if (!feed.isCurrent(seriesId)) {
            reason = PriceNotCurrent.selector;
        }
    }

    /// @dev The account's positions valued at usable marks (reverts on any unusable one), and
    /// the mark of `priceOf` among them (0 if the account holds no such position).
    function _legs(address account, uint256 priceOf)
        internal
        view
        returns (MarginMath.Leg[] memory legs, uint256 price)
    {
        uint256[] storage ids = _seriesOf[account];
        uint256 n = ids.length;
        legs = new MarginMath.Leg[](n);
        for (uint256 i; i < n; ++i) {
            uint256 seriesId = ids[i];
            MarginMath.Leg memory leg = legs[i];
            (leg.price, leg.spot) = _mark(seriesId, feed.seriesExpiry(seriesId));
            leg.size = positionOf[account][seriesId];
            if (seriesId == priceOf) price = leg.price;
        }
    }

    /// @dev The account's positions at the latest prices; `fresh` tells whether all are usable.
    function _legsView(address account) internal view returns (MarginMath.Leg[] memory legs, bool fresh) {
        uint256[] storage ids = _seriesOf[account];
        uint256 n = ids.length;
        legs = new MarginMath.Leg[](n);
        fresh = true;
        for (uint256 i; i < n; ++i) {
            uint256 seriesId = ids[i];
            MarginMath.Leg memory leg = legs[i];
            bytes4 reason;
            (leg.price, leg.spot, reason) = _markStatus(seriesId, feed.seriesExpiry(seriesId));
            leg.size = positionOf[account][seriesId];
            if (reason != bytes4(0)) fresh = false;
        }
    }

    /// @dev `equity >= initialMargin` at usable marks of the account's positions (`legs`,
    /// with their current sizes) and its current collateral.
    function _requireInitialMargin(address account, MarginMath.Leg[] memory legs) internal view {
        if (legs.length == 0) return;
        (int256 equity, uint256 im,) =
            MarginMath.health(collateralOf[account], legs, riskParams.imBps, riskParams.mmBps);
        if (equity < int256(im)) revert InitialMarginViolated(equity, im);
    }

    function _accountPaysPool(address account, uint256 amount) internal {
        uint256 available = collateralOf[account];
        if (amount > available) revert InsufficientCollateral(available, amount);
        collateralOf[account] = available - amount;
        poolBalance += amount;
    }

    function _poolPaysAccount(address account, uint256 amount) internal {
        uint256 available = _freePool();
        if (amount > available) revert InsufficientPoolLiquidity(available, amount);
        poolBalance -= amount;
        collateralOf[account] += amount;
    }

    function _removeSeries(address account, uint256 seriesId) internal {
        uint256[] storage ids = _seriesOf[account];
        uint256 last = ids.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (ids[i] == seriesId) {
                ids[i] = ids[last];
                ids.pop();
                return;
            }
        }
    }

    function _setRiskParams(RiskParams memory p) internal {
        if (p.mmBps > p.imBps || p.imBps > BPS || p.liquidationBonusBps > BPS || p.maxPriceAge == 0) {
            revert InvalidRiskParams();
        }
        riskParams = p;
        emit RiskParamsSet(p);
    }
}
