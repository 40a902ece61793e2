pragma circom 2.1.0;

// Walking-skeleton circuit used by the toolchain tests: proves knowledge of a private
// factor y with out = x * y + 7 for a public x. Not part of any model.
template Skeleton() {
    signal input x;
    signal input y;
    signal output out;
    signal prod;
    prod <== x * y;
    out <== prod + 7;
}

component main { public [x] } = Skeleton();
