/*
 * sntk_native: a small N-API addon over OpenBLAS (CBLAS) and LAPACKE.
 *
 * Every function works in place on row-major Float64Array buffers (CblasRowMajor /
 * LAPACK_ROW_MAJOR): the typed array's own memory is handed to BLAS/LAPACK, nothing is copied
 * here (LAPACKE's row-major wrappers transpose internally for LAPACK routines, O(n^2) against the
 * O(n^3) work). Callers copy inputs that LAPACK overwrites.
 *
 * All calls are synchronous: they block the calling JavaScript thread for the duration of the
 * BLAS/LAPACK call (OpenBLAS itself uses its own thread pool). Arguments are validated (types,
 * dimensions, leading dimensions, buffer lengths) before any memory is touched, and a bad argument
 * throws a TypeError/RangeError instead of crashing. LAPACK's `info` is returned to JavaScript,
 * which maps it to sntk's typed errors.
 */
#include <node_api.h>
#include <cblas.h>
#include <lapacke.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Present in OpenBLAS, absent in other CBLAS implementations: weak so either links. */
extern char *openblas_get_config(void) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));
extern void openblas_set_num_threads(int) __attribute__((weak));

/* LAPACK's two-stage tridiagonal reduction (LAPACK ≥ 3.7; OpenBLAS exports it): weak so a LAPACK
 * without it still links, and `dsyevValues2stage` is then not exported. */
extern void dsytrd_sy2sb_(const char *uplo, const int *n, const int *kd, double *a, const int *lda, double *ab,
                          const int *ldab, double *tau, double *work, const int *lwork, int *info) __attribute__((weak));
extern void dsytrd_sb2st_(const char *stage1, const char *vect, const char *uplo, const int *n, const int *kd,
                          double *ab, const int *ldab, double *d, double *e, double *hous, const int *lhous,
                          double *work, const int *lwork, int *info) __attribute__((weak));
extern void dsterf_(const int *n, double *d, double *e, int *info);

#define MAX_ARGS 16

#define CHECK(call)                                                              \
  do {                                                                           \
    if ((call) != napi_ok) {                                                     \
      napi_throw_error(env, "SNTK_NATIVE", "sntk_native: N-API call failed: " #call); \
      return NULL;                                                               \
    }                                                                            \
  } while (0)

typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  const char *fn;
  int failed;
} Args;

static int args_init(Args *a, napi_env env, napi_callback_info info, size_t expected, const char *fn) {
  a->env = env;
  a->argc = MAX_ARGS;
  a->fn = fn;
  a->failed = 0;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "sntk_native: cannot read arguments");
    return 0;
  }
  if (a->argc != expected) {
    char msg[160];
    snprintf(msg, sizeof msg, "sntk_native.%s: expected %zu arguments, got %zu", fn, expected, a->argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static void arg_fail(Args *a, size_t i, const char *what, int range) {
  if (a->failed) return;
  a->failed = 1;
  char msg[200];
  snprintf(msg, sizeof msg, "sntk_native.%s: argument %zu %s", a->fn, i, what);
  if (range) napi_throw_range_error(a->env, NULL, msg);
  else napi_throw_type_error(a->env, NULL, msg);
}

static int arg_bool(Args *a, size_t i) {
  bool b = false;
  if (a->failed) return 0;
  if (napi_get_value_bool(a->env, a->argv[i], &b) != napi_ok) arg_fail(a, i, "must be a boolean", 0);
  return b ? 1 : 0;
}

static double arg_double(Args *a, size_t i) {
  double d = 0;
  if (a->failed) return 0;
  if (napi_get_value_double(a->env, a->argv[i], &d) != napi_ok) arg_fail(a, i, "must be a number", 0);
  return d;
}

/* A non-negative dimension that fits a 32-bit LAPACK integer. */
static int arg_dim(Args *a, size_t i) {
  double d = arg_double(a, i);
  if (a->failed) return 0;
  if (!(d >= 0 && d <= 2147483647.0) || d != (double)(int64_t)d) {
    arg_fail(a, i, "must be an integer in [0, 2^31)", 1);
    return 0;
  }
  return (int)d;
}

static double *arg_f64(Args *a, size_t i, size_t *len) {
  napi_typedarray_type t;
  size_t n = 0;
  void *data = NULL;
  napi_value ab;
  size_t off = 0;
  *len = 0;
  if (a->failed) return NULL;
  bool is_ta = false;
  if (napi_is_typedarray(a->env, a->argv[i], &is_ta) != napi_ok || !is_ta) {
    arg_fail(a, i, "must be a Float64Array", 0);
    return NULL;
  }
  if (napi_get_typedarray_info(a->env, a->argv[i], &t, &n, &data, &ab, &off) != napi_ok || t != napi_float64_array) {
    arg_fail(a, i, "must be a Float64Array", 0);
    return NULL;
  }
  *len = n;
  return (double *)data;
}

/* Buffer `len` can hold a row-major rows×cols matrix with leading dimension ld (ld ≥ cols). */
static void check_mat(Args *a, size_t i, size_t len, int rows, int cols, int ld) {
  if (a->failed) return;
  if (rows == 0 || cols == 0) return; /* nothing is read or written */
  if (ld < (cols > 1 ? cols : 1)) {
    arg_fail(a, i, "has a leading dimension smaller than its column count", 1);
    return;
  }
  size_t need = (rows == 0 || cols == 0) ? 0 : (size_t)(rows - 1) * (size_t)ld + (size_t)cols;
  if (len < need) arg_fail(a, i, "is too short for the stated matrix shape", 1);
}

static void check_len(Args *a, size_t i, size_t len, size_t need) {
  if (a->failed) return;
  if (len < need) arg_fail(a, i, "is too short for the stated shape", 1);
}

static napi_value make_int(napi_env env, int v) {
  napi_value r;
  CHECK(napi_create_int32(env, v, &r));
  return r;
}

/* dgemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc): C ← α op(A) op(B) + β C. */
static napi_value js_dgemm(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 13, "dgemm")) return NULL;
  int tA = arg_bool(&a, 0), tB = arg_bool(&a, 1);
  int m = arg_dim(&a, 2), n = arg_dim(&a, 3), k = arg_dim(&a, 4);
  double alpha = arg_double(&a, 5);
  size_t la, lb, lc;
  double *A = arg_f64(&a, 6, &la);
  int lda = arg_dim(&a, 7);
  double *B = arg_f64(&a, 8, &lb);
  int ldb = arg_dim(&a, 9);
  double beta = arg_double(&a, 10);
  double *C = arg_f64(&a, 11, &lc);
  int ldc = arg_dim(&a, 12);
  check_mat(&a, 6, la, tA ? k : m, tA ? m : k, lda);
  check_mat(&a, 8, lb, tB ? n : k, tB ? k : n, ldb);
  check_mat(&a, 11, lc, m, n, ldc);
  if (a.failed) return NULL;
  if (m == 0 || n == 0) return NULL;
  cblas_dgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, m, n, k, alpha, A,
              lda, B, ldb, beta, C, ldc);
  return NULL;
}

/* dgemv(trans, m, n, alpha, A, lda, x, beta, y): y ← α op(A) x + β y, A is m×n. */
static napi_value js_dgemv(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 9, "dgemv")) return NULL;
  int t = arg_bool(&a, 0);
  int m = arg_dim(&a, 1), n = arg_dim(&a, 2);
  double alpha = arg_double(&a, 3);
  size_t la, lx, ly;
  double *A = arg_f64(&a, 4, &la);
  int lda = arg_dim(&a, 5);
  double *x = arg_f64(&a, 6, &lx);
  double beta = arg_double(&a, 7);
  double *y = arg_f64(&a, 8, &ly);
  check_mat(&a, 4, la, m, n, lda);
  check_len(&a, 6, lx, (size_t)(t ? m : n));
  check_len(&a, 8, ly, (size_t)(t ? n : m));
  if (a.failed) return NULL;
  if ((t ? n : m) == 0) return NULL;
  cblas_dgemv(CblasRowMajor, t ? CblasTrans : CblasNoTrans, m, n, alpha, A, lda, x, 1, beta, y, 1);
  return NULL;
}

/*
 * dsyrk(trans, n, k, alpha, A, lda, beta, C, ldc): C ← α A Aᵀ + β C (A n×k) or α Aᵀ A + β C
 * (A k×n); the lower triangle is computed and mirrored, so C is fully symmetric on return.
 * dsyrkLower(…): the same arguments, only the lower triangle of C (row-major) is written and the
 * strict upper one keeps its contents — for consumers that read one triangle (the symmetric
 * eigensolvers here read the row-major lower one): no O(n²) strided mirror pass.
 */
static napi_value syrk_call(napi_env env, napi_callback_info info, const char *fn, int mirror) {
  Args a;
  if (!args_init(&a, env, info, 9, fn)) return NULL;
  int t = arg_bool(&a, 0);
  int n = arg_dim(&a, 1), k = arg_dim(&a, 2);
  double alpha = arg_double(&a, 3);
  size_t la, lc;
  double *A = arg_f64(&a, 4, &la);
  int lda = arg_dim(&a, 5);
  double beta = arg_double(&a, 6);
  double *C = arg_f64(&a, 7, &lc);
  int ldc = arg_dim(&a, 8);
  check_mat(&a, 4, la, t ? k : n, t ? n : k, lda);
  check_mat(&a, 7, lc, n, n, ldc);
  if (a.failed) return NULL;
  if (n == 0) return NULL;
  cblas_dsyrk(CblasRowMajor, CblasLower, t ? CblasTrans : CblasNoTrans, n, k, alpha, A, lda, beta, C, ldc);
  if (mirror)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < i; j++) C[(size_t)j * ldc + i] = C[(size_t)i * ldc + j];
  return NULL;
}

static napi_value js_dsyrk(napi_env env, napi_callback_info info) { return syrk_call(env, info, "dsyrk", 1); }

static napi_value js_dsyrk_lower(napi_env env, napi_callback_info info) { return syrk_call(env, info, "dsyrkLower", 0); }

/* In-place transpose of an n×n matrix (swaps across the diagonal). O(n²), no extra memory. */
static void transpose_square(double *A, int n) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++) {
      double t = A[(size_t)i * n + j];
      A[(size_t)i * n + j] = A[(size_t)j * n + i];
      A[(size_t)j * n + i] = t;
    }
}

/*
 * dsyevd(vectors, n, A, w) → info. A (n×n, lower triangle read) is overwritten by the
 * orthonormal eigenvectors as columns when vectors is true; w receives the ascending eigenvalues.
 * The row-major lower triangle is LAPACK's column-major upper triangle, so LAPACK works on A's own
 * memory (no LAPACKE transposed copy of n² doubles); with vectors the column-major result is
 * transposed in place.
 */
static napi_value js_dsyevd(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 4, "dsyevd")) return NULL;
  int v = arg_bool(&a, 0);
  int n = arg_dim(&a, 1);
  size_t la, lw;
  double *A = arg_f64(&a, 2, &la);
  double *w = arg_f64(&a, 3, &lw);
  check_mat(&a, 2, la, n, n, n);
  check_len(&a, 3, lw, (size_t)n);
  if (a.failed) return NULL;
  if (n == 0) return make_int(env, 0);
  int r = LAPACKE_dsyevd(LAPACK_COL_MAJOR, v ? 'V' : 'N', 'U', n, A, n, w);
  if (r == 0 && v) transpose_square(A, n);
  return make_int(env, r);
}

/*
 * dsyevrValues(n, A, il, iu, w) → info. Eigenvalues il..iu (1-based, ascending order) of the
 * symmetric n×n A (lower triangle read, A destroyed) by LAPACK's dsyevr with RANGE='I', no
 * vectors: the tridiagonal reduction then only the wanted values (bisection/MRRR). w receives
 * iu − il + 1 ascending values. Works on A's own memory (column-major upper = row-major lower).
 */
static napi_value js_dsyevr_values(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 5, "dsyevrValues")) return NULL;
  int n = arg_dim(&a, 0);
  size_t la, lw;
  double *A = arg_f64(&a, 1, &la);
  int il = arg_dim(&a, 2), iu = arg_dim(&a, 3);
  double *w = arg_f64(&a, 4, &lw);
  check_mat(&a, 1, la, n, n, n);
  if (!a.failed && (il < 1 || iu < il || iu > n)) {
    napi_throw_range_error(env, NULL, "dsyevrValues: need 1 <= il <= iu <= n");
    return NULL;
  }
  check_len(&a, 4, lw, (size_t)(iu - il + 1));
  if (a.failed) return NULL;
  lapack_int m = 0;
  /* LAPACK uses all n entries of W (and 2n of ISUPPZ) as workspace, whatever the range. */
  double *wfull = malloc(sizeof(double) * (size_t)n);
  lapack_int *isuppz = malloc(sizeof(lapack_int) * 2 * (size_t)n);
  if (!wfull || !isuppz) {
    free(wfull);
    free(isuppz);
    napi_throw_error(env, "SNTK_NATIVE", "dsyevrValues: out of memory");
    return NULL;
  }
  double z = 0;
  int r = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'N', il == 1 && iu == n ? 'A' : 'I', 'U', n, A, n, 0.0, 0.0, il, iu, 0.0, &m, wfull, &z, 1, isuppz);
  if (r == 0 && m != iu - il + 1) r = -100; /* LAPACK found a different count: reported as an argument error */
  if (r == 0) memcpy(w, wfull, sizeof(double) * (size_t)m);
  free(wfull);
  free(isuppz);
  return make_int(env, r);
}

/*
 * dsyevValues2stage(n, A, w, kd) → info. All eigenvalues (ascending, into w) of the symmetric n×n
 * A (lower triangle read, A destroyed), no vectors, by the two-stage reduction: A to a band of
 * half-width kd by blocked Householder (dsytrd_sy2sb: BLAS-3, dsyr2k/dgemm, on OpenBLAS's
 * threads), the band to tridiagonal by bulge chasing (dsytrd_sb2st, O(n²·kd), run on ONE BLAS
 * thread: its kernels are level-2 calls on kd-sized blocks, where thread hand-offs cost more
 * than they save), then the root-free QR (dsterf). Unlike dsytrd, no half of the work is the
 * memory-bound dsymv over the trailing matrix, which dominates dsyevd for n in the thousands.
 * Negative info: an argument error (−1000 − k for an allocation failure in step k).
 */
static napi_value js_dsyev_values_2stage(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 4, "dsyevValues2stage")) return NULL;
  int n = arg_dim(&a, 0);
  size_t la, lw;
  double *A = arg_f64(&a, 1, &la);
  double *w = arg_f64(&a, 2, &lw);
  int kd = arg_dim(&a, 3);
  check_mat(&a, 1, la, n, n, n);
  check_len(&a, 2, lw, (size_t)n);
  if (!a.failed && kd < 1) arg_fail(&a, 3, "must be at least 1", 1);
  if (a.failed) return NULL;
  if (n == 0) return make_int(env, 0);
  if (kd > n - 1) kd = n > 1 ? n - 1 : 1;
  int ldab = kd + 1, inf = 0, lq = -1;
  double q = 0, hq = 0;
  double *ab = malloc(sizeof(double) * (size_t)ldab * (size_t)n);
  double *e = malloc(sizeof(double) * (size_t)n);
  double *tau = malloc(sizeof(double) * (size_t)n);
  double *work = NULL, *hous = NULL;
  if (!ab || !e || !tau) {
    inf = -1001;
    goto done;
  }
  /* stage 1: the column-major upper triangle of A is the row-major lower one */
  dsytrd_sy2sb_("U", &n, &kd, A, &n, ab, &ldab, tau, &q, &lq, &inf);
  if (inf != 0) goto done;
  int lwork = (int)q > 1 ? (int)q : 1;
  work = malloc(sizeof(double) * (size_t)lwork);
  if (!work) {
    inf = -1002;
    goto done;
  }
  dsytrd_sy2sb_("U", &n, &kd, A, &n, ab, &ldab, tau, work, &lwork, &inf);
  free(work);
  work = NULL;
  if (inf != 0) goto done;
  /* stage 2 on one thread */
  int lh = -1;
  lq = -1;
  dsytrd_sb2st_("N", "N", "U", &n, &kd, ab, &ldab, w, e, &hq, &lh, &q, &lq, &inf);
  if (inf != 0) goto done;
  lh = (int)hq > 1 ? (int)hq : 1;
  lwork = (int)q > 1 ? (int)q : 1;
  hous = malloc(sizeof(double) * (size_t)lh);
  work = malloc(sizeof(double) * (size_t)lwork);
  if (!hous || !work) {
    inf = -1003;
    goto done;
  }
  int threads = openblas_get_num_threads ? openblas_get_num_threads() : 0;
  if (threads > 1 && openblas_set_num_threads) openblas_set_num_threads(1);
  dsytrd_sb2st_("N", "N", "U", &n, &kd, ab, &ldab, w, e, hous, &lh, work, &lwork, &inf);
  if (threads > 1 && openblas_set_num_threads) openblas_set_num_threads(threads);
  if (inf != 0) goto done;
  dsterf_(&n, w, e, &inf);
done:
  free(ab);
  free(e);
  free(tau);
  free(work);
  free(hous);
  return make_int(env, inf);
}

/*
 * The scaled recurrence through time of a leaky/vanilla cell's Jacobian, for k vectors at once
 * (docs/theory.md §3): with W (N×N), per-step scales S (T×N, row t = s_t) and blocks Y_t (N×k,
 * row-major, Y = T consecutive blocks),
 *   forward:    Y_t += leak·Y_{t−1} + diag(s_t) W Y_{t−1},        t = 1 … T−1;
 *   transposed: Y_t += leak·Y_{t+1} + Wᵀ diag(s_{t+1}) Y_{t+1},   t = T−2 … 0.
 * One N×N×k product per step. A BLAS dgemm repacks W at every step, which at k ≤ 16 costs more
 * than the product itself; here W (or Wᵀ, transposed once per call) is read in place by a
 * register-blocked kernel (AVX-512: 8 rows × 8 columns per tile; AVX2+FMA: 4 rows × 8 columns;
 * masked loads for the last columns), chosen at run time from the CPU's features, with a dgemm
 * per step where neither is present. The rows of each step are split over up to as many threads
 * as OpenBLAS uses (at most 4, at least 64 rows each), which meet at a barrier between steps.
 */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SNTK_X86 1
#else
#define SNTK_X86 0
#endif
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

/* z (rows×k) = A x for A rows×n (leading dimension n), x n×k; all row-major. */
typedef void (*product_fn)(int rows, int n, int k, const double *A, const double *x, double *z);

/* Rows i0… of z = A x by plain loops. */
static void product_rows_scalar(int rows, int n, int k, int i0, const double *A, const double *x, double *z) {
  for (int i = i0; i < rows; i++) {
    double *zr = z + (size_t)i * k;
    for (int j = 0; j < k; j++) zr[j] = 0;
    const double *ar = A + (size_t)i * n;
    for (int l = 0; l < n; l++) {
      const double a = ar[l];
      const double *xr = x + (size_t)l * k;
      for (int j = 0; j < k; j++) zr[j] += a * xr[j];
    }
  }
}

#if SNTK_X86
__attribute__((target("avx512f"))) static void product_avx512(int rows, int n, int k, const double *A, const double *x, double *z) {
  int i = 0;
  for (; i + 8 <= rows; i += 8) {
    const double *a = A + (size_t)i * n;
    for (int j = 0; j < k; j += 8) {
      const __mmask8 m = (k - j >= 8) ? (__mmask8)0xFF : (__mmask8)((1u << (k - j)) - 1u);
      __m512d c0 = _mm512_setzero_pd(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
      const double *xp = x + j;
      for (int l = 0; l < n; l++, xp += k) {
        const __m512d xv = _mm512_maskz_loadu_pd(m, xp);
        c0 = _mm512_fmadd_pd(_mm512_set1_pd(a[l]), xv, c0);
        c1 = _mm512_fmadd_pd(_mm512_set1_pd(a[(size_t)n + l]), xv, c1);
        c2 = _mm512_fmadd_pd(_mm512_set1_pd(a[2 * (size_t)n + l]), xv, c2);
        c3 = _mm512_fmadd_pd(_mm512_set1_pd(a[3 * (size_t)n + l]), xv, c3);
        c4 = _mm512_fmadd_pd(_mm512_set1_pd(a[4 * (size_t)n + l]), xv, c4);
        c5 = _mm512_fmadd_pd(_mm512_set1_pd(a[5 * (size_t)n + l]), xv, c5);
        c6 = _mm512_fmadd_pd(_mm512_set1_pd(a[6 * (size_t)n + l]), xv, c6);
        c7 = _mm512_fmadd_pd(_mm512_set1_pd(a[7 * (size_t)n + l]), xv, c7);
      }
      double *zp = z + (size_t)i * k + j;
      _mm512_mask_storeu_pd(zp, m, c0);
      _mm512_mask_storeu_pd(zp + k, m, c1);
      _mm512_mask_storeu_pd(zp + 2 * (size_t)k, m, c2);
      _mm512_mask_storeu_pd(zp + 3 * (size_t)k, m, c3);
      _mm512_mask_storeu_pd(zp + 4 * (size_t)k, m, c4);
      _mm512_mask_storeu_pd(zp + 5 * (size_t)k, m, c5);
      _mm512_mask_storeu_pd(zp + 6 * (size_t)k, m, c6);
      _mm512_mask_storeu_pd(zp + 7 * (size_t)k, m, c7);
    }
  }
  product_rows_scalar(rows, n, k, i, A, x, z);
}

__attribute__((target("avx2,fma"))) static void product_avx2(int rows, int n, int k, const double *A, const double *x, double *z) {
  int i = 0;
  for (; i + 4 <= rows; i += 4) {
    const double *a0 = A + (size_t)i * n, *a1 = a0 + n, *a2 = a1 + n, *a3 = a2 + n;
    for (int j = 0; j < k; j += 8) {
      const int r = k - j;
      const __m256i m0 = _mm256_set_epi64x(r > 3 ? -1 : 0, r > 2 ? -1 : 0, r > 1 ? -1 : 0, -1);
      const __m256i m1 = _mm256_set_epi64x(r > 7 ? -1 : 0, r > 6 ? -1 : 0, r > 5 ? -1 : 0, r > 4 ? -1 : 0);
      __m256d c00 = _mm256_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const double *xp = x + j;
      for (int l = 0; l < n; l++, xp += k) {
        const __m256d x0 = _mm256_maskload_pd(xp, m0), x1 = _mm256_maskload_pd(xp + 4, m1);
        __m256d b = _mm256_broadcast_sd(a0 + l);
        c00 = _mm256_fmadd_pd(b, x0, c00);
        c01 = _mm256_fmadd_pd(b, x1, c01);
        b = _mm256_broadcast_sd(a1 + l);
        c10 = _mm256_fmadd_pd(b, x0, c10);
        c11 = _mm256_fmadd_pd(b, x1, c11);
        b = _mm256_broadcast_sd(a2 + l);
        c20 = _mm256_fmadd_pd(b, x0, c20);
        c21 = _mm256_fmadd_pd(b, x1, c21);
        b = _mm256_broadcast_sd(a3 + l);
        c30 = _mm256_fmadd_pd(b, x0, c30);
        c31 = _mm256_fmadd_pd(b, x1, c31);
      }
      double *zp = z + (size_t)i * k + j;
      _mm256_maskstore_pd(zp, m0, c00);
      _mm256_maskstore_pd(zp + 4, m1, c01);
      zp += k;
      _mm256_maskstore_pd(zp, m0, c10);
      _mm256_maskstore_pd(zp + 4, m1, c11);
      zp += k;
      _mm256_maskstore_pd(zp, m0, c20);
      _mm256_maskstore_pd(zp + 4, m1, c21);
      zp += k;
      _mm256_maskstore_pd(zp, m0, c30);
      _mm256_maskstore_pd(zp + 4, m1, c31);
    }
  }
  product_rows_scalar(rows, n, k, i, A, x, z);
}
#endif

static void product_blas(int rows, int n, int k, const double *A, const double *x, double *z) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, k, n, 1.0, A, n, x, k, 0.0, z, k);
}

/* The product kernel for this CPU, and its name (for `config`). SNTK_RECURRENCE_KERNEL=avx2|blas
 * in the environment asks for a narrower one (tests run every kernel the CPU has). */
static product_fn recurrence_product(const char **name) {
  const char *want = getenv("SNTK_RECURRENCE_KERNEL");
  const int narrow = want && (strcmp(want, "avx2") == 0 || strcmp(want, "blas") == 0);
  if (want && strcmp(want, "blas") == 0) {
    *name = "blas";
    return product_blas;
  }
#if SNTK_X86
  __builtin_cpu_init();
  if (!narrow && __builtin_cpu_supports("avx512f")) {
    *name = "avx512";
    return product_avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    *name = "avx2";
    return product_avx2;
  }
#endif
  *name = "blas";
  return product_blas;
}

typedef struct {
  int tr, T, N, k, nth;
  const double *W, *S;
  double leak, *Y, *z, *g;
  product_fn product;
  atomic_int count, gen, go;
} Recurrence;

typedef struct {
  Recurrence *r;
  int tid;
} RecurrenceArg;

/* All threads wait here until every one has arrived (spinning briefly, then yielding the core). */
static void recurrence_barrier(Recurrence *r) {
  if (r->nth == 1) return;
  const int g = atomic_load_explicit(&r->gen, memory_order_acquire);
  if (atomic_fetch_add_explicit(&r->count, 1, memory_order_acq_rel) == r->nth - 1) {
    atomic_store_explicit(&r->count, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->gen, 1, memory_order_release);
    return;
  }
  for (int spins = 0; atomic_load_explicit(&r->gen, memory_order_acquire) == g; spins++) {
    if (spins > 200) sched_yield();
  }
}

/* Thread `tid`'s share: rows [i0, i1) of every step (a multiple of 8 except the last share). */
static void recurrence_rows(Recurrence *r, int tid) {
  const int N = r->N, k = r->k;
  const int per = ((N + r->nth - 1) / r->nth + 7) / 8 * 8;
  const int i0 = tid * per < N ? tid * per : N, i1 = (tid + 1) * per < N ? (tid + 1) * per : N;
  const size_t nk = (size_t)N * k;
  const double leak = r->leak;
  if (!r->tr) {
    for (int t = 1; t < r->T; t++) {
      const double *prev = r->Y + (size_t)(t - 1) * nk;
      double *cur = r->Y + (size_t)t * nk;
      const double *s = r->S + (size_t)t * N;
      if (i1 > i0) r->product(i1 - i0, N, k, r->W + (size_t)i0 * N, prev, r->z + (size_t)i0 * k);
      for (int i = i0; i < i1; i++) {
        const double si = s[i];
        const size_t o = (size_t)i * k;
        for (int j = 0; j < k; j++) cur[o + j] += leak * prev[o + j] + si * r->z[o + j];
      }
      recurrence_barrier(r);
    }
  } else {
    for (int t = r->T - 2; t >= 0; t--) {
      const double *next = r->Y + (size_t)(t + 1) * nk;
      double *cur = r->Y + (size_t)t * nk;
      const double *s = r->S + (size_t)(t + 1) * N;
      for (int i = i0; i < i1; i++) {
        const double si = s[i];
        const size_t o = (size_t)i * k;
        for (int j = 0; j < k; j++) r->g[o + j] = si * next[o + j];
      }
      recurrence_barrier(r);
      if (i1 > i0) r->product(i1 - i0, N, k, r->W + (size_t)i0 * N, r->g, r->z + (size_t)i0 * k);
      for (size_t q = (size_t)i0 * k; q < (size_t)i1 * k; q++) cur[q] += leak * next[q] + r->z[q];
      recurrence_barrier(r);
    }
  }
}

/* A helper thread: waits until the thread count is final (every create has returned), then runs its share. */
static void *recurrence_thread(void *p) {
  RecurrenceArg *a = p;
  while (!atomic_load_explicit(&a->r->go, memory_order_acquire)) sched_yield();
  recurrence_rows(a->r, a->tid);
  return NULL;
}

/* scaledRecurrence(transpose, T, N, k, W, leak, S, Y): the recurrence above, in place on Y. */
static napi_value js_scaled_recurrence(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 8, "scaledRecurrence")) return NULL;
  int tr = arg_bool(&a, 0);
  int T = arg_dim(&a, 1), N = arg_dim(&a, 2), k = arg_dim(&a, 3);
  size_t lw, ls, ly;
  double *W = arg_f64(&a, 4, &lw);
  double leak = arg_double(&a, 5);
  double *S = arg_f64(&a, 6, &ls);
  double *Y = arg_f64(&a, 7, &ly);
  check_len(&a, 4, lw, (size_t)N * N);
  check_len(&a, 6, ls, (size_t)T * N);
  check_len(&a, 7, ly, (size_t)T * N * k);
  if (a.failed) return NULL;
  if (T < 2 || N == 0 || k == 0) return NULL;
  const size_t nk = (size_t)N * k;
  double *z = malloc(sizeof(double) * nk);
  double *g = tr ? malloc(sizeof(double) * nk) : NULL;
  double *Wt = tr ? malloc(sizeof(double) * (size_t)N * N) : NULL;
  if (!z || (tr && (!g || !Wt))) {
    free(z);
    free(g);
    free(Wt);
    napi_throw_error(env, "SNTK_NATIVE", "scaledRecurrence: out of memory");
    return NULL;
  }
  if (tr)
    for (int i = 0; i < N; i++)
      for (int l = 0; l < N; l++) Wt[(size_t)l * N + i] = W[(size_t)i * N + l];
  const char *name;
  Recurrence r = {.tr = tr, .T = T, .N = N, .k = k, .W = tr ? Wt : W, .S = S, .leak = leak, .Y = Y, .z = z, .g = g};
  r.product = recurrence_product(&name);
  int nth = openblas_get_num_threads ? openblas_get_num_threads() : 1;
  if (nth > 4) nth = 4;
  while (nth > 1 && N / nth < 64) nth--;
  pthread_t th[3];
  RecurrenceArg args[4];
  int started = 0;
  atomic_init(&r.count, 0);
  atomic_init(&r.gen, 0);
  atomic_init(&r.go, 0);
  for (int i = 1; i < nth; i++) {
    args[i].r = &r;
    args[i].tid = i;
    if (pthread_create(&th[i - 1], NULL, recurrence_thread, &args[i]) != 0) break;
    started++;
  }
  r.nth = started + 1; /* a thread that could not start: its share goes to the others */
  atomic_store_explicit(&r.go, 1, memory_order_release);
  recurrence_rows(&r, 0);
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  free(z);
  free(g);
  free(Wt);
  return NULL;
}

/*
 * dgesdd(vectors, m, n, A, s, U, VT) → info. Thin SVD of the m×n matrix A (destroyed):
 * s (length min(m,n)) descending, U m×min(m,n), VT min(m,n)×n, both row-major. U and VT are
 * ignored (may be empty) when vectors is false.
 */
static napi_value js_dgesdd(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 7, "dgesdd")) return NULL;
  int v = arg_bool(&a, 0);
  int m = arg_dim(&a, 1), n = arg_dim(&a, 2);
  int k = m < n ? m : n;
  size_t la, ls, lu, lvt;
  double *A = arg_f64(&a, 3, &la);
  double *s = arg_f64(&a, 4, &ls);
  double *U = arg_f64(&a, 5, &lu);
  double *VT = arg_f64(&a, 6, &lvt);
  check_mat(&a, 3, la, m, n, n);
  check_len(&a, 4, ls, (size_t)k);
  if (v) {
    check_len(&a, 5, lu, (size_t)m * k);
    check_len(&a, 6, lvt, (size_t)k * n);
  }
  if (a.failed) return NULL;
  if (k == 0) return make_int(env, 0);
  double dummy[1];
  if (v) return make_int(env, LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', m, n, A, n, s, U, k, VT, n));
  return make_int(env, LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'N', m, n, A, n, s, dummy, k, dummy, n));
}

/*
 * dgeev(left, right, n, A, wr, wi, VL, VR) → info. A (n×n, destroyed); eigenvalues wr + i·wi
 * in LAPACK order (conjugate pairs adjacent, positive imaginary part first); VL/VR n×n in LAPACK's
 * real-packed form (a pair j, j+1 stores Re in column j, Im in column j+1), each vector of unit
 * 2-norm with its largest component real. VL/VR are ignored (may be empty) when not requested.
 */
static napi_value js_dgeev(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 8, "dgeev")) return NULL;
  int l = arg_bool(&a, 0), r = arg_bool(&a, 1);
  int n = arg_dim(&a, 2);
  size_t la, lwr, lwi, lvl, lvr;
  double *A = arg_f64(&a, 3, &la);
  double *wr = arg_f64(&a, 4, &lwr);
  double *wi = arg_f64(&a, 5, &lwi);
  double *VL = arg_f64(&a, 6, &lvl);
  double *VR = arg_f64(&a, 7, &lvr);
  check_mat(&a, 3, la, n, n, n);
  check_len(&a, 4, lwr, (size_t)n);
  check_len(&a, 5, lwi, (size_t)n);
  if (l) check_len(&a, 6, lvl, (size_t)n * n);
  if (r) check_len(&a, 7, lvr, (size_t)n * n);
  if (a.failed) return NULL;
  if (n == 0) return make_int(env, 0);
  double dummy[1];
  return make_int(env, LAPACKE_dgeev(LAPACK_ROW_MAJOR, l ? 'V' : 'N', r ? 'V' : 'N', n, A, n, wr, wi,
                                     l ? VL : dummy, l ? n : 1, r ? VR : dummy, r ? n : 1));
}

/*
 * dgesv(n, nrhs, A, B) → { info, rcond }. Solves A X = B by LU with partial pivoting; A (n×n) is
 * overwritten by its LU factors, B (n×nrhs) by X. rcond is the reciprocal 1-norm condition
 * estimate from dgecon (0 when info > 0), so callers can reject numerically singular systems.
 */
static napi_value js_dgesv(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 4, "dgesv")) return NULL;
  int n = arg_dim(&a, 0), nrhs = arg_dim(&a, 1);
  size_t la, lb;
  double *A = arg_f64(&a, 2, &la);
  double *B = arg_f64(&a, 3, &lb);
  check_mat(&a, 2, la, n, n, n);
  check_mat(&a, 3, lb, n, nrhs, nrhs > 1 ? nrhs : 1);
  if (a.failed) return NULL;
  int res = 0;
  double rcond = 1.0;
  if (n > 0) {
    double anorm = LAPACKE_dlange(LAPACK_ROW_MAJOR, '1', n, n, A, n);
    lapack_int *ipiv = (lapack_int *)malloc(sizeof(lapack_int) * (size_t)n);
    if (!ipiv) {
      napi_throw_error(env, NULL, "sntk_native.dgesv: out of memory");
      return NULL;
    }
    if (nrhs > 0) {
      res = LAPACKE_dgesv(LAPACK_ROW_MAJOR, n, nrhs, A, n, ipiv, B, nrhs);
    } else {
      res = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, n, n, A, n, ipiv);
    }
    free(ipiv);
    rcond = 0.0;
    if (res == 0) {
      int ci = LAPACKE_dgecon(LAPACK_ROW_MAJOR, '1', n, A, n, anorm, &rcond);
      if (ci != 0) rcond = 0.0;
    }
  }
  napi_value out, vi, vr;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_int32(env, res, &vi));
  CHECK(napi_create_double(env, rcond, &vr));
  CHECK(napi_set_named_property(env, out, "info", vi));
  CHECK(napi_set_named_property(env, out, "rcond", vr));
  return out;
}

/* dpotrf(n, A) → info. Lower Cholesky factor in A's lower triangle (upper triangle untouched). */
static napi_value js_dpotrf(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 2, "dpotrf")) return NULL;
  int n = arg_dim(&a, 0);
  size_t la;
  double *A = arg_f64(&a, 1, &la);
  check_mat(&a, 1, la, n, n, n);
  if (a.failed) return NULL;
  if (n == 0) return make_int(env, 0);
  return make_int(env, LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, A, n));
}

/* dpotrs(n, nrhs, L, B) → info. Solves L Lᵀ X = B in place (B n×nrhs) given the lower factor L. */
static napi_value js_dpotrs(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 4, "dpotrs")) return NULL;
  int n = arg_dim(&a, 0), nrhs = arg_dim(&a, 1);
  size_t ll, lb;
  double *L = arg_f64(&a, 2, &ll);
  double *B = arg_f64(&a, 3, &lb);
  check_mat(&a, 2, ll, n, n, n);
  check_mat(&a, 3, lb, n, nrhs, nrhs > 1 ? nrhs : 1);
  if (a.failed) return NULL;
  if (n == 0 || nrhs == 0) return make_int(env, 0);
  return make_int(env, LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', n, nrhs, L, n, B, nrhs));
}

/* config() → a short description of the BLAS library (OpenBLAS build string and thread count). */
static napi_value js_config(napi_env env, napi_callback_info info) {
  (void)info;
  char buf[512];
  const char *kernel;
  recurrence_product(&kernel);
  if (openblas_get_config) {
    int th = openblas_get_num_threads ? openblas_get_num_threads() : 0;
    snprintf(buf, sizeof buf, "%s, %d threads, %s recurrence kernel", openblas_get_config(), th, kernel);
  } else {
    snprintf(buf, sizeof buf, "CBLAS/LAPACKE (not OpenBLAS), %s recurrence kernel", kernel);
  }
  napi_value r;
  CHECK(napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &r));
  return r;
}

/* setThreads(n) → the BLAS thread count now in force (unchanged and returned when the library
 * is not OpenBLAS). Small problems run faster on one thread: no hand-off, no spinning workers. */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t n = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1) {
    napi_throw_range_error(env, NULL, "setThreads: expected a positive integer");
    return NULL;
  }
  if (openblas_set_num_threads) openblas_set_num_threads(n);
  int th = openblas_get_num_threads ? openblas_get_num_threads() : 0;
  napi_value r;
  CHECK(napi_create_int32(env, th, &r));
  return r;
}

/* A private anonymous mapping behind an external ArrayBuffer (freed by the buffer's finalizer). */
typedef struct {
  void *base;
  size_t length;
  int64_t bytes;
} Mapping;

static void mapping_finalize(napi_env env, void *data, void *hint) {
  (void)data;
  Mapping *m = (Mapping *)hint;
  int64_t ignored;
  munmap(m->base, m->length);
  napi_adjust_external_memory(env, -m->bytes, &ignored);
  free(m);
}

/* allocZeroed(bytes) → an ArrayBuffer of `bytes` zero bytes in fresh pages, or undefined when this
 * Node does not allow external buffers. On Linux the mapping is 2 MiB aligned and advised to use
 * transparent huge pages (MADV_HUGEPAGE): on a virtual machine one 4 KiB page fault costs ~13 µs,
 * so the first touch of a 220 MB Jacobian takes ~0.6 s in 4 KiB pages and ~0.02 s in 2 MiB ones.
 * The memory is reported to V8 as external (its GC then weighs it) and unmapped when the buffer is
 * collected. A RangeError (code SNTK_NATIVE_NOMEM) when the mapping cannot be made. */
static napi_value js_alloc_zeroed(napi_env env, napi_callback_info info) {
  Args a;
  if (!args_init(&a, env, info, 1, "allocZeroed")) return NULL;
  double want = 0;
  if (napi_get_value_double(env, a.argv[0], &want) != napi_ok || !(want >= 1) || want > 281474976710656.0 || want != (double)(int64_t)want) {
    napi_throw_range_error(env, NULL, "allocZeroed: bytes must be an integer in [1, 2^48]");
    return NULL;
  }
  size_t bytes = (size_t)want;
  const size_t align = (size_t)2 << 20;
  size_t length = bytes + align;
  void *base = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    char msg[160];
    snprintf(msg, sizeof msg, "allocZeroed: cannot map %zu bytes", bytes);
    napi_throw_range_error(env, "SNTK_NATIVE_NOMEM", msg);
    return NULL;
  }
  char *p = (char *)(((uintptr_t)base + align - 1) & ~(uintptr_t)(align - 1));
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);
#endif
  Mapping *m = (Mapping *)malloc(sizeof *m);
  if (!m) {
    munmap(base, length);
    napi_throw_range_error(env, "SNTK_NATIVE_NOMEM", "allocZeroed: out of memory");
    return NULL;
  }
  m->base = base;
  m->length = length;
  m->bytes = (int64_t)bytes;
  napi_value ab;
  if (napi_create_external_arraybuffer(env, p, bytes, mapping_finalize, m, &ab) != napi_ok) {
    /* e.g. a runtime that forbids external buffers: the caller allocates normally */
    munmap(base, length);
    free(m);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    napi_value undef;
    CHECK(napi_get_undefined(env, &undef));
    return undef;
  }
  int64_t ignored;
  napi_adjust_external_memory(env, m->bytes, &ignored);
  return ab;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"dgemm", NULL, js_dgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgemv", NULL, js_dgemv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dsyrk", NULL, js_dsyrk, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dsyrkLower", NULL, js_dsyrk_lower, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dsyevd", NULL, js_dsyevd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dsyevrValues", NULL, js_dsyevr_values, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgesdd", NULL, js_dgesdd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgeev", NULL, js_dgeev, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgesv", NULL, js_dgesv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dpotrf", NULL, js_dpotrf, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dpotrs", NULL, js_dpotrs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"config", NULL, js_config, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scaledRecurrence", NULL, js_scaled_recurrence, NULL, NULL, NULL, napi_enumerable, NULL},
      {"allocZeroed", NULL, js_alloc_zeroed, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (dsytrd_sy2sb_ && dsytrd_sb2st_) {
    napi_property_descriptor two = {"dsyevValues2stage", NULL, js_dsyev_values_2stage, NULL, NULL, NULL, napi_enumerable, NULL};
    if (napi_define_properties(env, exports, 1, &two) != napi_ok) return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
