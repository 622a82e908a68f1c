/* Exact Hamming top-k and distances over packed binary codes.
 *
 * An optional compiled kernel for hashview.core.hamming.search (which falls back to its
 * numpy path when this module is missing). Codes are n rows of B bytes each
 * (B = K / 8, any B >= 1), contiguous; a row is read as B / 8 unaligned 64-bit
 * words plus, when B is not a multiple of 8, one masked tail word. Hamming
 * distance does not depend on how the bits are numbered, so the byte order of
 * the words does not matter as long as rows and queries are read the same way.
 *
 * top_k selects while it scans: every query keeps a max-heap of its best k
 * (distance, row) pairs packed into one 64-bit key (distance << 40 | row), and
 * a row enters only when its distance is strictly below the heap's largest
 * distance. Rows are visited in increasing order, so a later row never
 * displaces an earlier one at the same distance: ties go to the lower row,
 * exactly as a stable sort by (distance, row) would. Once the heap is full the
 * bound only falls, so on anything but adversarial data a few hundred rows out
 * of millions touch the heap; the hot loop is load, XOR, popcount, compare.
 *
 * For a batch the rows are scanned in blocks of a few thousand (BLOCK_BYTES),
 * and every query is run over a block while it is in cache, so the codes are
 * read from memory once per call, not once per query.
 *
 * The scan runs without the GIL; hashview.core.hamming.search splits the rows of one
 * query, or the queries of a batch, across its thread pool.
 *
 * Popcount: on x86-64 GCC/Clang the kernels are compiled twice, once inside
 * functions with __attribute__((target("popcnt"))) (so __builtin_popcountll is
 * one instruction) and once with a portable SWAR popcount; the first is chosen
 * at import time when __builtin_cpu_supports("popcnt"). MSVC on x64 uses
 * __popcnt64 after a CPUID check; other GCC/Clang targets use
 * __builtin_popcountll (one instruction on AArch64); anything else uses SWAR.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

typedef uint64_t u64;

#if defined(__GNUC__) || defined(__clang__)
#define HV_INLINE static inline __attribute__((always_inline))
#define HV_NOINLINE static __attribute__((noinline))
#define HV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#elif defined(_MSC_VER)
#define HV_INLINE static __forceinline
#define HV_NOINLINE static __declspec(noinline)
#define HV_UNLIKELY(x) (x)
#else
#define HV_INLINE static inline
#define HV_NOINLINE static
#define HV_UNLIKELY(x) (x)
#endif

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define HV_X86_GNU 1
#define HV_HW_TARGET __attribute__((target("popcnt")))
#define HV_HW_POPCOUNT(x) __builtin_popcountll(x)
#define HV_HW_NAME "popcnt"
#elif defined(__GNUC__) || defined(__clang__)
#define HV_HW_TARGET
#define HV_HW_POPCOUNT(x) __builtin_popcountll(x)
#define HV_HW_NAME "builtin"
#elif defined(_MSC_VER) && defined(_M_X64)
#include <intrin.h>
#define HV_MSVC_X64 1
#define HV_HW_TARGET
#define HV_HW_POPCOUNT(x) ((int)__popcnt64(x))
#define HV_HW_NAME "popcnt"
#else
#define HV_HW_TARGET
#define HV_HW_POPCOUNT(x) popcount_swar(x)
#define HV_HW_NAME "swar"
#endif

#define ROW_BITS 40 /* a heap key is distance << ROW_BITS | row */
#define ROW_MASK ((((u64)1) << ROW_BITS) - 1)
#define MAX_ROW_BYTES (1 << 16)
#ifndef BLOCK_BYTES
#define BLOCK_BYTES (64 * 1024) /* codes per batch step (measured: 16 KB to 512 KB do as well) */
#endif
#define SINGLE_BLOCK_BYTES (1 << 20)
#ifndef PREFETCH /* bytes ahead to prefetch (measured: 2 KB to 16 KB read faster than none) */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH 4096
#else
#define PREFETCH 0
#endif
#endif
#ifndef UNROLL
#define UNROLL 4 /* rows tested per branch */
#endif
#define MAX_FIXED_WORDS 4 /* the hot loops are specialised for 1, 2 and 4 words */

HV_INLINE int popcount_swar(u64 x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

HV_INLINE int popcount(u64 x, int hw)
{
    return hw ? (int)HV_HW_POPCOUNT(x) : popcount_swar(x);
}

HV_INLINE u64 load64(const unsigned char *p)
{
    u64 x;
    memcpy(&x, p, 8);
    return x;
}

/* ------------------------------------------------------------------ layout */

typedef struct {
    const unsigned char *codes;
    Py_ssize_t row_bytes; /* B */
    Py_ssize_t n;         /* rows in codes */
    Py_ssize_t full;      /* B / 8 whole words per row */
    Py_ssize_t tail;      /* B % 8 bytes after them */
    Py_ssize_t words;     /* full + (tail > 0) */
    Py_ssize_t safe_hi;   /* rows below this may over-read their tail word by < 8 bytes */
    u64 tail_mask;        /* keeps the first `tail` bytes of a loaded word */
} Layout;

static void layout_init(Layout *L, const unsigned char *codes, Py_ssize_t row_bytes, Py_ssize_t n)
{
    L->codes = codes;
    L->row_bytes = row_bytes;
    L->n = n;
    L->full = row_bytes / 8;
    L->tail = row_bytes % 8;
    L->words = L->full + (L->tail > 0);
    L->tail_mask = 0;
    L->safe_hi = n;
    if (L->tail) {
        unsigned char m[8] = {0};
        memset(m, 0xff, (size_t)L->tail);
        memcpy(&L->tail_mask, m, 8);
        /* row r's tail word is read at r * B + full * 8 .. + 8 */
        Py_ssize_t total = n * row_bytes;
        Py_ssize_t off = L->full * 8 + 8;
        L->safe_hi = total >= off ? (total - off) / row_bytes + 1 : 0;
        if (L->safe_hi > n)
            L->safe_hi = n;
    }
}

/* One row's tail word, zero past the row's last byte. */
HV_INLINE u64 tail_word(const Layout *L, const unsigned char *p, Py_ssize_t row)
{
    if (row < L->safe_hi)
        return load64(p) & L->tail_mask;
    u64 x = 0;
    memcpy(&x, p, (size_t)L->tail);
    return x;
}

/* A query as `words` 64-bit words, the tail word zero-padded like tail_word. */
static void query_words(const Layout *L, const unsigned char *q, u64 *out)
{
    Py_ssize_t w;
    for (w = 0; w < L->full; w++)
        out[w] = load64(q + 8 * w);
    if (L->tail) {
        u64 x = 0;
        memcpy(&x, q + 8 * L->full, (size_t)L->tail);
        out[L->full] = x;
    }
}

/* The distance of one row to a query given as words (the general case). */
HV_INLINE int row_distance(const Layout *L, const u64 *qw, Py_ssize_t row, int hw)
{
    const unsigned char *p = L->codes + row * L->row_bytes;
    int d = 0;
    Py_ssize_t w;
    for (w = 0; w < L->full; w++)
        d += popcount(load64(p + 8 * w) ^ qw[w], hw);
    if (L->tail)
        d += popcount(tail_word(L, p + 8 * L->full, row) ^ qw[L->full], hw);
    return d;
}

/* ------------------------------------------------------------------ selection */

typedef struct {
    Layout L;
    Py_ssize_t nq, k;
    const u64 *qwords; /* nq x L.words */
    u64 *heaps;        /* nq x stride keys: the output buffer, unpacked at the end */
    Py_ssize_t stride;
    Py_ssize_t *count; /* rows held per query */
    int *bound;        /* a row enters when its distance is below this */
    int open_bound;    /* K + 1: every row enters while the heap is not full */
} TopK;

/* Insert (d, row) into query qi's heap (d < its bound); return the new bound. */
HV_NOINLINE int heap_insert(TopK *t, Py_ssize_t qi, int d, Py_ssize_t row)
{
    u64 *h = t->heaps + qi * t->stride;
    u64 key = ((u64)d << ROW_BITS) | (u64)row;
    Py_ssize_t k = t->k, c = t->count[qi], i;
    if (c < k) { /* sift up */
        i = c;
        while (i > 0) {
            Py_ssize_t parent = (i - 1) / 2;
            if (h[parent] >= key)
                break;
            h[i] = h[parent];
            i = parent;
        }
        h[i] = key;
        t->count[qi] = ++c;
        return c == k ? (int)(h[0] >> ROW_BITS) : t->open_bound;
    }
    /* replace the largest key and sift down */
    i = 0;
    for (;;) {
        Py_ssize_t child = 2 * i + 1;
        if (child >= k)
            break;
        if (child + 1 < k && h[child + 1] > h[child])
            child++;
        if (h[child] <= key)
            break;
        h[i] = h[child];
        i = child;
    }
    h[i] = key;
    return (int)(h[0] >> ROW_BITS);
}

/* Sort a max-heap of c keys ascending, in place (heapsort's second half). */
static void heap_sort(u64 *h, Py_ssize_t c)
{
    while (c > 1) {
        u64 last = h[--c];
        h[c] = h[0];
        Py_ssize_t i = 0;
        for (;;) {
            Py_ssize_t child = 2 * i + 1;
            if (child >= c)
                break;
            if (child + 1 < c && h[child + 1] > h[child])
                child++;
            if (h[child] <= last)
                break;
            h[i] = h[child];
            i = child;
        }
        h[i] = last;
    }
}

/* The distance of the row at p to the query words q[0..W-1] (W a constant). */
HV_INLINE int words_distance(const unsigned char *p, const u64 *q, int W, int hw)
{
    int d = 0, w;
    for (w = 0; w < W; w++)
        d += popcount(load64(p + 8 * w) ^ q[w], hw);
    return d;
}

#if defined(__GNUC__) || defined(__clang__)
#define HV_BARRIER() __asm__ __volatile__("" ::: "memory")
#else
#define HV_BARRIER() ((void)0)
#endif

/* Query qi over rows r0..r1. W > 0: rows of W whole words, W a compile-time
 * constant; UNROLL rows are tested with one branch (some d - bound < 0 iff the
 * OR of the differences is negative), and only then looked at one by one (the
 * distances are recomputed there, which keeps the hot loop free of copies).
 * W = 0: the general loop (any number of words, a tail). */
HV_INLINE void scan_query(TopK *t, Py_ssize_t qi, Py_ssize_t r0, Py_ssize_t r1, int W, int hw)
{
    const Layout *L = &t->L;
    const u64 *qw = t->qwords + qi * L->words;
    int bound = t->bound[qi];
    Py_ssize_t r = r0;
    if (W > 0) {
        u64 q[MAX_FIXED_WORDS];
        int i;
        const unsigned char *p = L->codes + r0 * 8 * W;
        for (i = 0; i < W; i++)
            q[i] = qw[i];
        for (; r + UNROLL <= r1; r += UNROLL, p += UNROLL * 8 * W) {
            int any = 0;
#if PREFETCH
            __builtin_prefetch(p + PREFETCH); /* never faults, even past the end */
#endif
            for (i = 0; i < UNROLL; i++)
                any |= words_distance(p + i * 8 * W, q, W, hw) - bound;
            if (HV_UNLIKELY(any < 0)) {
                HV_BARRIER();
                for (i = 0; i < UNROLL; i++) {
                    int d = words_distance(p + i * 8 * W, q, W, hw);
                    if (d < bound)
                        bound = heap_insert(t, qi, d, r + i);
                }
            }
        }
        for (; r < r1; r++, p += 8 * W) {
            int d = words_distance(p, q, W, hw);
            if (HV_UNLIKELY(d < bound))
                bound = heap_insert(t, qi, d, r);
        }
    } else {
        for (; r < r1; r++) {
            int d = row_distance(L, qw, r, hw);
            if (HV_UNLIKELY(d < bound))
                bound = heap_insert(t, qi, d, r);
        }
    }
    t->bound[qi] = bound;
}

/* Every query over rows lo..hi, block by block; stops early once no row can enter
 * (every query holds k rows at distance 0). One query needs no cache blocking,
 * only the early stop: its blocks are larger. */
HV_INLINE void scan_top_k(TopK *t, Py_ssize_t lo, Py_ssize_t hi, int W, int hw)
{
    Py_ssize_t block = (t->nq == 1 ? SINGLE_BLOCK_BYTES : BLOCK_BYTES) / t->L.row_bytes;
    Py_ssize_t r0, qi;
    if (block < 1)
        block = 1;
    for (r0 = lo; r0 < hi; r0 += block) {
        Py_ssize_t r1 = hi - r0 > block ? r0 + block : hi;
        int open = 0;
        for (qi = 0; qi < t->nq; qi++) {
            if (t->bound[qi] > 0)
                scan_query(t, qi, r0, r1, W, hw);
            open |= t->bound[qi] > 0;
        }
        if (!open)
            break;
    }
}

HV_INLINE void dispatch_top_k(TopK *t, Py_ssize_t lo, Py_ssize_t hi, int hw)
{
    const Layout *L = &t->L;
    if (L->tail)
        scan_top_k(t, lo, hi, 0, hw);
    else if (L->full == 1)
        scan_top_k(t, lo, hi, 1, hw);
    else if (L->full == 2)
        scan_top_k(t, lo, hi, 2, hw);
    else if (L->full == 4)
        scan_top_k(t, lo, hi, 4, hw);
    else
        scan_top_k(t, lo, hi, 0, hw);
}

/* ------------------------------------------------------------------ distances */

typedef struct {
    Layout L;
    const u64 *qw;
    void *out;
    int itemsize; /* 1, 2 or 8: uint8, uint16 or int64 */
} Dist;

HV_INLINE void store(void *out, int itemsize, Py_ssize_t i, int d)
{
    if (itemsize == 1)
        ((uint8_t *)out)[i] = (uint8_t)d;
    else if (itemsize == 2)
        ((uint16_t *)out)[i] = (uint16_t)d;
    else
        ((int64_t *)out)[i] = d;
}

HV_INLINE void scan_dist_typed(Dist *s, Py_ssize_t lo, Py_ssize_t hi, int W, int itemsize, int hw)
{
    const Layout *L = &s->L;
    Py_ssize_t r;
    if (W == 1) {
        const u64 q0 = s->qw[0];
        for (r = lo; r < hi; r++)
            store(s->out, itemsize, r - lo, popcount(load64(L->codes + 8 * r) ^ q0, hw));
    } else if (W == 2) {
        const u64 q0 = s->qw[0], q1 = s->qw[1];
        for (r = lo; r < hi; r++) {
            const unsigned char *p = L->codes + 16 * r;
            store(s->out, itemsize, r - lo,
                  popcount(load64(p) ^ q0, hw) + popcount(load64(p + 8) ^ q1, hw));
        }
    } else {
        for (r = lo; r < hi; r++)
            store(s->out, itemsize, r - lo, row_distance(L, s->qw, r, hw));
    }
}

HV_INLINE void dispatch_dist(Dist *s, Py_ssize_t lo, Py_ssize_t hi, int hw)
{
    int W = s->L.tail ? 0 : (s->L.full == 1 ? 1 : (s->L.full == 2 ? 2 : 0));
#define HV_DIST_CASE(WW)                                         \
    if (W == WW) {                                               \
        if (s->itemsize == 1)                                    \
            scan_dist_typed(s, lo, hi, WW, 1, hw);               \
        else if (s->itemsize == 2)                               \
            scan_dist_typed(s, lo, hi, WW, 2, hw);               \
        else                                                     \
            scan_dist_typed(s, lo, hi, WW, 8, hw);               \
        return;                                                  \
    }
    HV_DIST_CASE(1)
    HV_DIST_CASE(2)
    HV_DIST_CASE(0)
#undef HV_DIST_CASE
}

/* ------------------------------------------------------------------ two builds */

HV_HW_TARGET static void top_k_hw(TopK *t, Py_ssize_t lo, Py_ssize_t hi) { dispatch_top_k(t, lo, hi, 1); }
static void top_k_swar(TopK *t, Py_ssize_t lo, Py_ssize_t hi) { dispatch_top_k(t, lo, hi, 0); }
HV_HW_TARGET static void dist_hw(Dist *s, Py_ssize_t lo, Py_ssize_t hi) { dispatch_dist(s, lo, hi, 1); }
static void dist_swar(Dist *s, Py_ssize_t lo, Py_ssize_t hi) { dispatch_dist(s, lo, hi, 0); }

static int use_hw = 0; /* set once at import */

static int detect_hw(void)
{
#if defined(HV_X86_GNU)
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt") ? 1 : 0;
#elif defined(HV_MSVC_X64)
    int info[4];
    __cpuid(info, 1);
    return (info[2] >> 23) & 1;
#elif defined(__GNUC__) || defined(__clang__)
    return 1;
#else
    return 0;
#endif
}

/* ------------------------------------------------------------------ Python */

static int check_codes(Py_buffer *codes, Py_ssize_t row_bytes, Py_ssize_t *n)
{
    if (row_bytes < 1 || row_bytes > MAX_ROW_BYTES) {
        PyErr_Format(PyExc_ValueError, "row_bytes must be 1..%d, got %zd", MAX_ROW_BYTES, row_bytes);
        return -1;
    }
    if (codes->len % row_bytes) {
        PyErr_SetString(PyExc_ValueError, "codes length is not a multiple of row_bytes");
        return -1;
    }
    *n = codes->len / row_bytes;
    if ((u64)*n > ROW_MASK) {
        PyErr_SetString(PyExc_ValueError, "too many rows (at most 2**40)");
        return -1;
    }
    return 0;
}

static int check_range(Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t n)
{
    if (lo < 0 || hi < lo || hi > n) {
        PyErr_Format(PyExc_ValueError, "rows %zd..%zd out of range for %zd rows", lo, hi, n);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(top_k_doc,
"top_k(codes, row_bytes, queries, k, lo, hi, indices, distances) -> m\n\n"
"The best k rows of codes[lo:hi] for each query, by (distance, row), exact.\n"
"codes: n * row_bytes bytes; queries: q * row_bytes bytes; indices and distances:\n"
"writable int64 buffers of q * k items, filled row-major with m = min(k, hi - lo)\n"
"results per query (the rest left as is). Row numbers are absolute (lo..hi-1).\n"
"Runs without the GIL.");

static PyObject *py_top_k(PyObject *self, PyObject *args)
{
    Py_buffer codes, queries, out_idx, out_dist;
    Py_ssize_t row_bytes, k, lo, hi, n, nq, m = 0, i, j;
    PyObject *result = NULL;
    TopK t;
    u64 *qwords = NULL;
    Py_ssize_t *count = NULL;
    int *bound = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*ny*nnnw*w*", &codes, &row_bytes, &queries, &k, &lo, &hi,
                          &out_idx, &out_dist))
        return NULL;
    if (check_codes(&codes, row_bytes, &n) < 0 || check_range(lo, hi, n) < 0)
        goto done;
    if (queries.len % row_bytes) {
        PyErr_SetString(PyExc_ValueError, "queries length is not a multiple of row_bytes");
        goto done;
    }
    nq = queries.len / row_bytes;
    if (k < 0) {
        PyErr_SetString(PyExc_ValueError, "k must be non-negative");
        goto done;
    }
    if (k > 0 && nq > PY_SSIZE_T_MAX / 8 / k) {
        PyErr_SetString(PyExc_OverflowError, "q * k too large");
        goto done;
    }
    if (out_idx.len < nq * k * 8 || out_dist.len < nq * k * 8) {
        PyErr_SetString(PyExc_ValueError, "output buffers hold fewer than q * k int64 items");
        goto done;
    }
    m = hi - lo < k ? hi - lo : k;
    if (m == 0 || nq == 0) {
        result = PyLong_FromSsize_t(m);
        goto done;
    }
    layout_init(&t.L, (const unsigned char *)codes.buf, row_bytes, n);
    qwords = PyMem_Malloc((size_t)(nq * t.L.words) * sizeof(u64));
    count = PyMem_Calloc((size_t)nq, sizeof(Py_ssize_t));
    bound = PyMem_Malloc((size_t)nq * sizeof(int));
    if (!qwords || !count || !bound) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < nq; i++) {
        query_words(&t.L, (const unsigned char *)queries.buf + i * row_bytes, qwords + i * t.L.words);
        bound[i] = (int)(row_bytes * 8 + 1);
    }
    t.nq = nq;
    t.k = m;
    t.qwords = qwords;
    t.heaps = (u64 *)out_idx.buf; /* the heaps live in the index buffer until unpacked */
    t.stride = k;
    t.count = count;
    t.bound = bound;
    t.open_bound = (int)(row_bytes * 8 + 1);

    Py_BEGIN_ALLOW_THREADS
    if (use_hw)
        top_k_hw(&t, lo, hi);
    else
        top_k_swar(&t, lo, hi);
    for (i = 0; i < nq; i++) {
        u64 *h = t.heaps + i * k;
        int64_t *d = (int64_t *)out_dist.buf + i * k;
        heap_sort(h, m);
        for (j = 0; j < m; j++) {
            d[j] = (int64_t)(h[j] >> ROW_BITS);
            h[j] &= ROW_MASK;
        }
    }
    Py_END_ALLOW_THREADS

    result = PyLong_FromSsize_t(m);
done:
    PyMem_Free(qwords);
    PyMem_Free(count);
    PyMem_Free(bound);
    PyBuffer_Release(&codes);
    PyBuffer_Release(&queries);
    PyBuffer_Release(&out_idx);
    PyBuffer_Release(&out_dist);
    return result;
}

PyDoc_STRVAR(distances_doc,
"distances(codes, row_bytes, query, lo, hi, out, itemsize) -> None\n\n"
"Write the Hamming distance of rows lo..hi-1 of codes to one query into out[0:hi-lo],\n"
"as uint8 (itemsize 1), uint16 (2) or int64 (8). Runs without the GIL.");

static PyObject *py_distances(PyObject *self, PyObject *args)
{
    Py_buffer codes, query, out;
    Py_ssize_t row_bytes, lo, hi, n;
    int itemsize;
    PyObject *result = NULL;
    Dist s;
    u64 *qw = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*ny*nnw*i", &codes, &row_bytes, &query, &lo, &hi, &out, &itemsize))
        return NULL;
    if (check_codes(&codes, row_bytes, &n) < 0 || check_range(lo, hi, n) < 0)
        goto done;
    if (query.len != row_bytes) {
        PyErr_SetString(PyExc_ValueError, "query must be row_bytes long");
        goto done;
    }
    if (itemsize != 1 && itemsize != 2 && itemsize != 8) {
        PyErr_SetString(PyExc_ValueError, "itemsize must be 1, 2 or 8");
        goto done;
    }
    if ((itemsize == 1 && row_bytes * 8 > 255) || (itemsize == 2 && row_bytes * 8 > 65535)) {
        PyErr_SetString(PyExc_ValueError, "itemsize too small for these distances");
        goto done;
    }
    if (out.len < (hi - lo) * itemsize) {
        PyErr_SetString(PyExc_ValueError, "out holds fewer than hi - lo items");
        goto done;
    }
    layout_init(&s.L, (const unsigned char *)codes.buf, row_bytes, n);
    qw = PyMem_Malloc((size_t)s.L.words * sizeof(u64) + 1);
    if (!qw) {
        PyErr_NoMemory();
        goto done;
    }
    query_words(&s.L, (const unsigned char *)query.buf, qw);
    s.qw = qw;
    s.out = out.buf;
    s.itemsize = itemsize;
    Py_BEGIN_ALLOW_THREADS
    if (use_hw)
        dist_hw(&s, lo, hi);
    else
        dist_swar(&s, lo, hi);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(qw);
    PyBuffer_Release(&codes);
    PyBuffer_Release(&query);
    PyBuffer_Release(&out);
    return result;
}

static PyObject *py_set_popcount(PyObject *self, PyObject *arg)
{
    /* For tests: "hw" or "swar" (the portable fallback); returns the previous name. */
    const char *name;
    const char *before = use_hw ? HV_HW_NAME : "swar";
    (void)self;
    if (!PyUnicode_Check(arg) || !(name = PyUnicode_AsUTF8(arg)))
        return PyErr_Format(PyExc_TypeError, "expected a str");
    if (strcmp(name, "swar") == 0)
        use_hw = 0;
    else if (strcmp(name, "hw") == 0 || strcmp(name, HV_HW_NAME) == 0) {
        if (!detect_hw())
            return PyErr_Format(PyExc_ValueError, "this CPU has no popcount instruction");
        use_hw = 1;
    } else
        return PyErr_Format(PyExc_ValueError, "unknown popcount %R", arg);
    return PyUnicode_FromString(before);
}

static PyObject *py_popcount(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyUnicode_FromString(use_hw ? HV_HW_NAME : "swar");
}

static PyMethodDef methods[] = {
    {"top_k", py_top_k, METH_VARARGS, top_k_doc},
    {"distances", py_distances, METH_VARARGS, distances_doc},
    {"popcount", py_popcount, METH_NOARGS, "The popcount in use: 'popcnt', 'builtin' or 'swar'."},
    {"set_popcount", py_set_popcount, METH_O, "Choose 'hw' or 'swar' (tests); returns the previous."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_hamming",
    .m_doc = "Exact Hamming top-k and distances over packed codes (see hashview.core.hamming.search).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__hamming(void)
{
    PyObject *m;
    use_hw = detect_hw();
    m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "BLOCK_BYTES", BLOCK_BYTES) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
