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
/// of the feed. A price is stale when it is older than `maxPriceAge` or was never set. Every
/// action that values or trades a position (open, close, withdraw with open positions,
/// liquidate) reverts on a stale price: a stale price blocks risk-increasing actions and
/// can never trigger a liquidation. Deposits never need a price.
///
/// Expiry: no position can be opened at or after a series' expiry. Once the feed has
/// settled an expired series (intrinsic value), that final price is never stale: positions
/// in it are valued, closed and liquidated at the settlement price.
///
/// Counterparty: a liquidity pool inside the engine is the counterparty of every trade
/// (peer-to-pool; longs and shorts are not matched). Premiums paid by accounts go to the pool,
/// premiums and sale proceeds received by accounts come from it, and a trade the pool cannot
/// pay reverts (`InsufficientPoolLiquidity`). Anyone can add to the pool (`fundPool`);
/// governance can take out what is not needed (`withdrawPool`). The token balance of the
/// engine always equals `Σ collateralOf + poolBalance` (no rounding leak: both sides of every
/// flow use the same rounded amount). What a liquidated account cannot cover is lost by the
/// pool and recorded in `badDebt`.
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
    /// @notice Funds of the counterparty pool, wad.
    uint256 public poolBalance;

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

    /// @notice Take `amount` token units out of the pool (governance keeps the pool able to
    /// pay the accounts' long positions and short premiums; the engine does not reserve it).
    function withdrawPool(address to, uint256 amount) external onlyOwner nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        uint256 available = poolBalance;
        if (wad > available) revert InsufficientPoolLiquidity(available, wad);
        poolBalance = available - wad;
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

    /// @notice Withdraw `amount` token units; with open positions, needs fresh prices and
    /// `equity >= initialMargin` afterwards.
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 wad = amount * tokenScale;
        uint256 available = collateralOf[msg.sender];
        if (wad > available) revert InsufficientCollateral(available, wad);
        collateralOf[msg.sender] = available - wad;
        _requireInitialMargin(msg.sender);
        emit Withdrawn(msg.sender, amount, wad);
        collateralToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- trading

    /// @notice Open (or increase) a long or short position of `size` wad units of underlying
    /// in `seriesId` at the current proven mark price. Requires a fresh price for every
    /// position of the account and `equity >= initialMargin` afterwards.
    /// @return premium Paid (long, rounded up) or received (short, rounded down), wad.
    function openPosition(uint256 seriesId, bool isLong, uint256 size)
        external
        nonReentrant
        returns (uint256 premium)
    {
        if (size == 0) revert ZeroAmount();
        uint256 expiry = feed.seriesExpiry(seriesId);
        if (expiry == 0) revert UnknownSeries(seriesId);
        if (block.timestamp >= expiry) revert SeriesExpired(seriesId, expiry);
        (uint256 price,) = _freshObservation(seriesId);

        int256 position = positionOf[msg.sender][seriesId];
        if (position != 0 && (position > 0) != isLong) revert OppositePosition(seriesId, position);
        uint256 newSize = (position >= 0 ? uint256(position) : uint256(-position)) + size;
        if (newSize > MAX_SIZE) revert SizeTooLarge(newSize);
        if (position == 0) {
            if (_seriesOf[msg.sender].length >= MAX_POSITIONS) revert TooManyPositions();
            _seriesOf[msg.sender].push(seriesId);
        }
        positionOf[msg.sender][seriesId] = isLong ? int256(newSize) : -int256(newSize);

        if (isLong) {
            premium = MarginMath.valueUp(size, price);
            _accountPaysPool(msg.sender, premium);
        } else {
            premium = MarginMath.valueDown(size, price);
            _poolPaysAccount(msg.sender, premium);
        }
        _requireInitialMargin(msg.sender);
        emit PositionOpened(msg.sender, seriesId, isLong, size, price, premium);
    }

    /// @notice Reduce the caller's position in `seriesId` by `size` at the current proven mark
    /// (needs a fresh price for that series only; closing never increases risk).
    /// @return premium Received (long, rounded down) or paid (short, rounded up), wad.
    function closePosition(uint256 seriesId, uint256 size) external nonReentrant returns (uint256 premium) {
        if (size == 0) revert ZeroAmount();
        int256 position = positionOf[msg.sender][seriesId];
        uint256 held = position >= 0 ? uint256(position) : uint256(-position);
        if (size > held) revert CloseExceedsPosition(seriesId, size, position);
        (uint256 price,) = _freshObservation(seriesId);

        bool isLong = position > 0;
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

    /// @notice Liquidate `account` if `equity < maintenanceMargin` at fresh prices: close all
    /// its positions at mark (collateral becomes `equity`), pay the caller a bonus of
    /// `liquidationBonusBps · maintenanceMargin / 1e4` (rounded down to whole token units,
    /// capped by what is left) and record any negative equity as bad debt. Reverts on any
    /// stale price.
    /// @return bonus Token units paid to the caller.
    function liquidate(address account) external nonReentrant returns (uint256 bonus) {
        (int256 equity,, uint256 mm) = _health(account);
        if (_seriesOf[account].length == 0 || equity >= int256(mm)) revert AccountHealthy(equity, mm);

        uint256[] memory ids = _seriesOf[account];
        for (uint256 i; i < ids.length; ++i) {
            int256 position = positionOf[account][ids[i]];
            delete positionOf[account][ids[i]];
            (uint256 price,,,,) = feed.latestObservation(ids[i]);
            bool isLong = position > 0;
            uint256 size = isLong ? uint256(position) : uint256(-position);
            uint256 premium = isLong ? MarginMath.valueDown(size, price) : MarginMath.valueUp(size, price);
            emit PositionClosed(account, ids[i], isLong, size, price, premium);
        }
        delete _seriesOf[account];

        // Closing every position at mark with the same rounding turns collateral into equity;
        // the pool's side of those trades is the difference. Below zero the pool receives all
        // the collateral and the rest is bad debt.
        uint256 collateral = collateralOf[account];
        uint256 shortfall;
        uint256 remaining;
        if (equity < 0) {
            shortfall = uint256(-equity);
            badDebt += shortfall;
            poolBalance += collateral;
        } else {
            remaining = uint256(equity);
            if (remaining <= collateral) {
                poolBalance += collateral - remaining;
            } else {
                uint256 owed = remaining - collateral;
                if (owed > poolBalance) revert InsufficientPoolLiquidity(poolBalance, owed);
                poolBalance -= owed;
            }
        }
        uint256 bonusWad = (mm * riskParams.liquidationBonusBps) / BPS;
        if (bonusWad > remaining) bonusWad = remaining;
        bonus = bonusWad / tokenScale;
        collateralOf[account] = remaining - bonus * tokenScale;
        emit Liquidated(account, msg.sender, equity, mm, bonus, shortfall);
        if (bonus != 0) collateralToken.safeTransfer(msg.sender, bonus);
    }

    // ---------------------------------------------------------------- reads

    /// @notice Equity, initial and maintenance margin of `account` at the latest proven prices,
    /// and whether all of them are fresh (when not, no action can use these numbers).
    function accountHealth(address account)
        external
        view
        returns (int256 equity, uint256 initialMargin, uint256 maintenanceMargin, bool pricesFresh)
    {
        MarginMath.Leg[] memory legs;
        (legs, pricesFresh) = _legs(account, false);
        (equity, initialMargin, maintenanceMargin) =
            MarginMath.health(collateralOf[account], legs, riskParams.imBps, riskParams.mmBps);
    }

    /// @notice Series ids in which `account` has an open position.
    function openSeriesOf(address account) external view returns (uint256[] memory) {
        return _seriesOf[account];
    }

    /// @notice Whether `account` could be liquidated now (false if any price is stale).
    function isLiquidatable(address account) external view returns (bool) {
        (MarginMath.Leg[] memory legs, bool fresh) = _legs(account, false);
        if (legs.length == 0 || !fresh) return false;
        (int256 equity,, uint256 mm) = MarginMath.health(collateralOf[account], legs, riskParams.imBps, riskParams.mmBps);
        return equity < int256(mm);
    }

    // ---------------------------------------------------------------- internal

    /// @dev Mark price and spot of a series; reverts if never set or older than maxPriceAge
    /// (a settlement price is final and never stale).
    function _freshObservation(uint256 seriesId) internal view returns (uint256 price, uint256 spot) {
        uint256 observedAt;
        uint256 roundId;
        bool settled;
        (price, spot, observedAt, roundId, settled) = feed.latestObservation(seriesId);
        if (roundId == 0) revert NoPrice(seriesId);
        uint256 maxAge = riskParams.maxPriceAge;
        if (!settled && block.timestamp - observedAt > maxAge) revert StalePrice(seriesId, observedAt, maxAge);
    }

    /// @dev Health at fresh prices (reverts on any stale or missing price).
    function _health(address account) internal view returns (int256, uint256, uint256) {
        (MarginMath.Leg[] memory legs,) = _legs(account, true);
        return MarginMath.health(collateralOf[account], legs, riskParams.imBps, riskParams.mmBps);
    }

    /// @dev The account's positions with their latest observations. With `strict`, reverts
    /// on a stale or missing price; otherwise reports freshness in `fresh`.
    function _legs(address account, bool strict) internal view returns (MarginMath.Leg[] memory legs, bool fresh) {
        uint256[] storage ids = _seriesOf[account];
        uint256 n = ids.length;
        legs = new MarginMath.Leg[](n);
        fresh = true;
        uint256 maxAge = riskParams.maxPriceAge;
        for (uint256 i; i < n; ++i) {
            uint256 seriesId = ids[i];
            MarginMath.Leg memory leg = legs[i];
            uint256 observedAt;
            uint256 roundId;
            bool settled;
            (leg.price, leg.spot, observedAt, roundId, settled) = feed.latestObservation(seriesId);
            leg.size = positionOf[account][seriesId];
            if (roundId == 0 || (!settled && block.timestamp - observedAt > maxAge)) {
                if (strict) {
                    if (roundId == 0) revert NoPrice(seriesId);
                    revert StalePrice(seriesId, observedAt, maxAge);
                }
                fresh = false;
            }
        }
    }

    function _requireInitialMargin(address account) internal view {
        if (_seriesOf[account].length == 0) return;
        (int256 equity, uint256 im,) = _health(account);
        if (equity < int256(im)) revert InitialMarginViolated(equity, im);
    }

    function _accountPaysPool(address account, uint256 amount) internal {
        uint256 available = collateralOf[account];
        if (amount > available) revert InsufficientCollateral(available, amount);
        collateralOf[account] = available - amount;
        poolBalance += amount;
    }

    function _poolPaysAccount(address account, uint256 amount) internal {
        uint256 available = poolBalance;
        if (amount > available) revert InsufficientPoolLiquidity(available, amount);
        poolBalance = available - amount;
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
