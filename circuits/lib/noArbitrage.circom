pragma circom 2.1.0;

// No-arbitrage clamp of a proven option price (price/strike, wad). Hand-written gadgets;
// every `<--` is pinned by the constraints that follow it. Costs as compiled with --O2.

include "zkinfer.circom";

// q = floor(in / C) for 0 <= in < 2^NB. Proves in = C*q + r with 0 <= r < C (r and
// r + 2^CB - C both CB-bit, i.e. r <= C - 1) and 0 <= q < 2^QB. CB + QB + 1 <= 252 keeps
// C*q + r below the field order, so the relation holds over the integers and q, r are unique.
// Cost: 2*CB + QB constraints.
template DivFloor(NB, C, CB, QB) {
    assert(C >= 2 && C <= 2 ** CB && C > 2 ** (CB - 1) && CB + QB + 1 <= 252 && NB <= CB + QB);
    signal input in;
    signal output out;
    signal r;
    out <-- in \ C;
    r <-- in % C;
    in === C * out + r;
    component rLow = Bits(CB);
    rLow.in <== r;
    component rHigh = Bits(CB);
    rHigh.in <== r + 2 ** CB - C;
    component q = Bits(QB);
    q.in <== out;
}

// Bound on the discount factor e^(-r*tau) in wad from the raw wad inputs RATE and TIME
// (range-checked by the model's InputRange gadgets, 0 <= RATE*TIME < 2^PB).
//   P = RATE * TIME (scale 10^36); y = floor(P / C1) with C1 = 10^36 / 2^FB, so that
//   t_lo = y / 2^FB <= r*tau < (y + 1) / 2^FB = t_hi (t_hi <= 1 is checked by the quantizer).
// The alternating Taylor partial sums S_n(t) = sum_{k<=n} (-t)^k / k! bound e^(-t) for
// 0 <= t <= 1: from above for even n, from below for odd n. With e^(-t) decreasing:
//   UPPER = 1 (n even): D = ceil(10^18 * S_n(t_lo))  >= 10^18 * e^(-r*tau)
//   UPPER = 0 (n odd):  D = floor(10^18 * S_n(t_hi)) <= 10^18 * e^(-r*tau)
// computed exactly: N = n! * 2^(FB*n) * S_n(y'/2^FB) = sum_k (-1)^k (n!/k!) y'^k 2^(FB*(n-k)),
// an integer >= 0 (y' = y, or y + 1), then D = floor((N * 10^18 [+ K - 1]) / K), K = n! * 2^(FB*n).
// Cost: 1 + (n - 1) products, DivFloor for y and for D.
template DiscountFactorBound(UPPER, N, FB, C1, C1B, YB, PB, KB, NB) {
    assert(N >= 2 && N <= 6 && (N % 2 == 0) == (UPPER == 1));
    signal input rate;
    signal input time;
    signal output out;
    signal p;
    p <== rate * time;
    component y = DivFloor(PB, C1, C1B, YB);
    y.in <== p;
    var fact[7] = [1, 1, 2, 6, 24, 120, 720];
    signal pw[N + 1];
    pw[0] <== 1;
    pw[1] <== UPPER == 1 ? y.out : y.out + 1;
    for (var k = 2; k <= N; k++) {
        pw[k] <== pw[k - 1] * pw[1];
    }
    var acc = 0;
    for (var k = 0; k <= N; k++) {
        var c = (fact[N] \ fact[k]) * 2 ** (FB * (N - k));
        acc += (k % 2 == 0 ? c : -c) * pw[k];
    }
    var K = fact[N] * 2 ** (FB * N);
    component d = DivFloor(NB, K, KB, 60);
    d.in <== acc * 10 ** 18 + (UPPER == 1 ? K - 1 : 0);
    out <== d.out;
}

// Clamps a price/strike V (wad, |V| < 2^(B-1) for every B below as proven by the bound
// analysis) to the no-arbitrage interval, given the moneyness M = S/K (wad) and the discount
// bound D from DiscountFactorBound:
//   CALL = 1: [max(M - D, 0), M]        (D >= 10^18 e^(-r tau): the lower end is never above max(m - e^(-r tau), 0))
//   CALL = 0: [max(D - M, 0), 10^18]    (D <= 10^18 e^(-r tau): the lower end is never above max(e^(-r tau) - m, 0))
// as out = max(min(V, upper), lower), each of max/min/relu one RescaleRelu(., 0).
// Cost: BL + BU + BM + 3.
template NoArbitrageClamp(CALL, BL, BU, BM) {
    signal input v;
    signal input m;
    signal input d;
    signal output out;
    signal output lower;
    component low = RescaleRelu(BL, 0);
    low.in <== CALL == 1 ? m - d : d - m;
    lower <== low.out;
    component up = RescaleRelu(BU, 0);
    up.in <== (CALL == 1 ? m : 10 ** 18) - v;
    signal capped;
    capped <== (CALL == 1 ? m : 10 ** 18) - up.out;
    component floorAt = RescaleRelu(BM, 0);
    floorAt.in <== capped - lower;
    out <== lower + floorAt.out;
}
