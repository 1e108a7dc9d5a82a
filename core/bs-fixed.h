/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-fixed.h: fixed-point rounding and saturation, defined once for every engine.
 * docs/model-format.md, section 4. Plain C (no GLib) so accel/kernel can use it too.
 */
#pragma once

#include <stdint.h>

/* round(v / 2^s), half towards +inf. 0 <= s <= 62; callers guarantee no overflow. */
static inline int64_t
bs_round_shift (int64_t v, int s)
{
  if (s == 0)
    return v;
  /* >> on a negative int64 is an arithmetic shift on every compiler we target. */
  return (v + ((int64_t) 1 << (s - 1))) >> s;
}

static inline int64_t
bs_sat (int64_t v, int bits, int relu)
{
  int64_t hi = ((int64_t) 1 << (bits - 1)) - 1;
  int64_t lo = relu ? 0 : -((int64_t) 1 << (bits - 1));
  return v < lo ? lo : (v > hi ? hi : v);
}

/* The batchnorm transform: sat(round_shift(x*mul + add, shift), bits). */
static inline int32_t
bs_requant (int64_t x, int32_t mul, int64_t add, int shift, int bits, int relu)
{
  return (int32_t) bs_sat (bs_round_shift (x * mul + add, shift), bits, relu);
}

/* floor(a / b) and ceil(a / b) for b > 0. */
static inline int64_t
bs_floor_div (int64_t a, int64_t b)
{
  int64_t q = a / b;
  if ((a % b != 0) && (a < 0))
    q -= 1;
  return q;
}

static inline int64_t
bs_ceil_div (int64_t a, int64_t b)
{
  return -bs_floor_div (-a, b);
}

/* round(v / n), half towards +inf; n > 0 (pooling). */
static inline int64_t
bs_round_div (int64_t v, int64_t n)
{
  return bs_floor_div (2 * v + n, 2 * n);
}
