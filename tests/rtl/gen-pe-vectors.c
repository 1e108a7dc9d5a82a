/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gen-pe-vectors: test vectors for the RTL processing element (accel/kernel/rtl/bs_pe.v),
 * computed by the bs_blend kernel's own code: this file includes bs-kernel.c, so the
 * lane cutting (lane_slice, lane_mask), the per-lane matches (lane_matches) and the
 * threshold (threshold_sign) are the functions run_bconv calls, not a rewrite.
 *
 * Usage: gen-pe-vectors LANES N_VECTORS SEED > vectors.txt
 * Output, hex: "N" then per dot product "STEPS K_BITS THR FLIP MATCH BIT" and STEPS
 * lines "A W MASK", each 48·LANES bits, lane 0 in the low bits; lanes past the
 * layer's chunks are zero, as the kernel skips them (j >= w_chunks).
 */
#include "bs-kernel.c"

#include <stdio.h>
#include <stdlib.h>

#define MAX_WORDS 8        /* up to 512 input channels */
#define MAX_LANES 8

static uint64_t rng_state;

/* xorshift64*: a fixed, seedable stream, so a failing vector can be regenerated. */
static uint64_t
rng (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * UINT64_C (2685821657736338717);
}

static uint32_t
rng_below (uint32_t n)
{
  return (uint32_t) (rng () % n);
}

/* A packed channel vector of cin bits, unused bits 0 (bs-kernel-abi.h); every few
 * vectors is all ones or all zeros, to reach the popcount's extremes. */
static void
random_bits (uint64_t *v, uint32_t cin, uint32_t style)
{
  for (uint32_t i = 0; i < words_for (cin); i++)
    {
      uint32_t valid = cin - i * 64u;
      uint64_t keep = valid >= 64u ? ~UINT64_C (0) : (UINT64_C (1) << valid) - 1u;

      v[i] = (style == 0 ? ~UINT64_C (0) : style == 1 ? 0 : rng ()) & keep;
    }
}

static void
print_lanes (const uint64_t *x, uint32_t lanes)
{
  /* 48·lanes bits as hex, most significant lane first: 12 digits per lane. */
  for (uint32_t i = lanes; i-- > 0;)
    printf ("%012llx", (unsigned long long) x[i]);
}

/* One output channel's dot product over `taps` taps of cin channels, L lanes a step. */
static void
emit_vector (uint32_t lanes)
{
  uint32_t cin = 1 + rng_below (MAX_WORDS * 64u);
  uint32_t taps = 1 + rng_below (9);
  uint32_t chunks = (cin + BS_KERNEL_LANE_BITS - 1u) / BS_KERNEL_LANE_BITS;
  uint32_t steps = (chunks + lanes - 1u) / lanes;
  uint32_t k_bits = cin * taps, match = 0, flip = rng_below (2);
  uint64_t a[MAX_WORDS], w[MAX_WORDS];
  uint64_t la[MAX_LANES], lw[MAX_LANES], lm[MAX_LANES];
  int32_t thr;

  /* Thresholds near the middle of [0, K], at the ends, and the padding INT32_MAX. */
  switch (rng_below (4))
    {
    case 0: thr = INT32_MAX; break;
    case 1: thr = -1 - (int32_t) rng_below (4); break;
    default: thr = (int32_t) rng_below (k_bits + 1u); break;
    }
  printf ("%x %x %x %x ", steps * taps, k_bits, (uint32_t) thr, flip);
  /* The expected results depend on every lane: compute them first, print after. */
  {
    uint64_t (*rows)[3][MAX_LANES] = calloc ((size_t) steps * taps, sizeof *rows);
    uint32_t row = 0;

    for (uint32_t t = 0; t < taps; t++)
      {
        random_bits (a, cin, rng_below (8));
        random_bits (w, cin, rng_below (8));
        for (uint32_t s = 0; s < steps; s++, row++)
          for (uint32_t lane = 0; lane < lanes; lane++)
            {
              uint32_t j = s * lanes + lane;

              la[lane] = lw[lane] = lm[lane] = 0;
              if (j < chunks)
                {
                  la[lane] = lane_slice (a, 0, words_for (cin), j);
                  lw[lane] = lane_slice (w, 0, words_for (cin), j);
                  lm[lane] = lane_mask (cin, j);
                  match += lane_matches (la[lane], lw[lane], lm[lane]);
                }
              rows[row][0][lane] = la[lane];
              rows[row][1][lane] = lw[lane];
              rows[row][2][lane] = lm[lane];
            }
      }
    printf ("%x %x\n", match, threshold_sign (k_bits, match, thr, flip) < 0 ? 1u : 0u);
    for (row = 0; row < steps * taps; row++)
      {
        for (int i = 0; i < 3; i++)
          {
            print_lanes (rows[row][i], lanes);
            putchar (i < 2 ? ' ' : '\n');
          }
      }
    free (rows);
  }
}

int
main (int argc, char **argv)
{
  uint32_t lanes, n;

  if (argc != 4 || (lanes = (uint32_t) atoi (argv[1])) < 1 || lanes > MAX_LANES
      || (n = (uint32_t) atoi (argv[2])) < 1)
    {
      fprintf (stderr, "usage: gen-pe-vectors LANES(1-%d) N_VECTORS SEED\n", MAX_LANES);
      return 2;
    }
  rng_state = strtoull (argv[3], NULL, 0) | 1u;
  printf ("%x\n", n);
  for (uint32_t i = 0; i < n; i++)
    emit_vector (lanes);
  return 0;
}
