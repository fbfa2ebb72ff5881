/* Survival statistics of right-censored samples: Kaplan-Meier with Greenwood confidence
 * intervals, medians, the log-rank test, and Wilson intervals for proportions.
 *
 * Pure functions of their inputs: the result does not depend on the order of the
 * samples (ties are handled by sorting on time, events before censorings at equal
 * times, as in R's survival package), so any split of patients over ranks gives the
 * same numbers bit for bit.
 */
#ifndef COHORTSIM_SURVIVAL_H
#define COHORTSIM_SURVIVAL_H

#include <stddef.h>

#include "cohortsim/status.h"

/* A fitted Kaplan-Meier curve: a right-continuous step function S(t) = P(T > t). */
typedef struct cs_km cs_km;

/* Fits S(t) to n samples (time[i] >= 0, event[i] nonzero for an event, 0 for censored).
 * Greenwood's variance is accumulated alongside. The caller owns *km and frees it with
 * cs_km_destroy. Fails with CS_ERR_NUMERIC on a negative or non-finite time and with
 * CS_ERR_NOMEM; on failure *km is NULL and nothing is left allocated. n = 0 gives an empty
 * curve (S = 1, no one at risk); time and event may then be NULL. The fit is the same, bit
 * for bit, for any order of the samples. */
cs_status cs_km_fit(size_t n, const double *time, const unsigned char *event, cs_km **km,
                    cs_error *err);

/* Frees a fit; accepts NULL and sets *km to NULL. */
void cs_km_destroy(cs_km **km);

/* S(t) (right-continuous: an event at t is already counted at t), its Greenwood standard
 * error, and the 95% confidence interval on the log scale (R's conf.type = "log"):
 * exp(log S +- z * se(log S)) clipped to [0, 1], with z = qnorm(0.975) = 1.95996 as in R.
 * Before the first event S = 1 with standard error 0 and interval [1, 1]. When S = 0
 * (everyone at risk had the event) the standard error and both bounds are 0. A NaN t gives
 * NaN for all four. Any of the output pointers may be NULL. */
void cs_km_eval(const cs_km *km, double t, double *survival, double *std_error, double *lower,
                double *upper);

/* Number of samples still at risk at t: those with time >= t (0 for a NaN t). */
size_t cs_km_at_risk(const cs_km *km, double t);

/* Median survival, the smallest t with S(t) <= 0.5, and its 95% confidence interval as
 * in R's survival package: the smallest t where the lower (for the lower limit) or upper
 * (for the upper limit) band of cs_km_eval falls to 0.5 or below. "<= 0.5" allows
 * sqrt(DBL_EPSILON) for rounding, as R does. Where a curve is flat at exactly 0.5, R
 * reports the midpoint of the flat; this function reports its start. A value that is not
 * reached is NAN. Any of the output pointers may be NULL. */
void cs_km_median(const cs_km *km, double *median, double *lower, double *upper);

/* Log-rank (Mantel-Cox) test of two samples: chi-square statistic on one degree of
 * freedom and its p-value. Two samples with no events give chi-square 0 and p = 1. Fails
 * with CS_ERR_NUMERIC on a negative or non-finite time and with CS_ERR_NOMEM; the outputs
 * are then left alone. A sample with n = 0 may pass NULL arrays; either output pointer may
 * be NULL. Independent of the order of the samples within each group. */
cs_status cs_logrank(size_t n1, const double *time1, const unsigned char *event1, size_t n2,
                     const double *time2, const unsigned char *event2, double *chi_square,
                     double *p_value, cs_error *err);

/* Wilson score interval for `successes` out of `n` at the given z > 0 (1.96 for 95%).
 * n = 0 gives [0, 1]; successes > n gives NAN for both. Either output pointer may be
 * NULL. */
void cs_wilson_interval(size_t successes, size_t n, double z, double *lower, double *upper);

#endif
