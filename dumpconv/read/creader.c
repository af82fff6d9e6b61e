/*
 * dumpconv._creader: the common case of read.fast.convert_run in one pass over the bytes.
 *
 * A run of INSERT statements into one table, as sqlite3's .dump writes them, one statement
 * per line:
 *
 *     PREFIX v, v, ... );\n      (PREFIX is "INSERT INTO t VALUES(" as written, no spaces)
 *
 * where each value is NULL, an integer of at most 18 digits, a real without a long
 * exponent, a string literal '...' (with '' for a quote), a blob X'hex', or one of the two
 * calls .dump writes for line ends: replace('s','m',char(10)) and
 * replace(replace('s','m',char(13)),'m2',char(10)).
 *
 * convert(body, prefix, arity) returns (copy, shapes, columns) exactly as the Python fast
 * path (read/fast.py) makes them, except that every text shape is the one-byte placeholder
 * b"\x00" (only its first byte means anything: it marks a string). columns holds, per
 * column, (nulls, ints, reals, texts, blobs, per_row or None), the fields of read.batch's
 * Classes, then (least, greatest) of its integers or None: what decide.stats would read
 * from the shapes again. It returns None for anything else: a NUL byte anywhere, a string that is not
 * valid UTF-8 or spans lines, a multi-row VALUES, another call, a long integer or exponent,
 * white space between values, a CR line end. The Python fast path then reads the run, and
 * decides the same way it always has. The scan is the reference's grammar, never wider:
 * tests/read/test_creader.py compares the two on every dump we have and on random runs.
 *
 * No input byte reaches the output unless it is inside a value: numbers are checked digit
 * by digit, strings are COPY-escaped here (backslash, tab, LF, CR and the other control
 * bytes, as base.encode.copy_escape does).
 */
#include "cbuf.h"

#define C_NULL 'N'
#define C_INT 'i'
#define C_REAL 'r'
#define C_TEXT 's'
#define C_BLOB 'b'

#ifndef DUMPCONV_SOURCE_SHA256
#define DUMPCONV_SOURCE_SHA256 ""
#endif

static const char HEX[] = "0123456789abcdef";

/* One byte as COPY text at w (at most 4 bytes): backslash, tab, LF and CR by their letter
 * escapes, the other control bytes as \xHH (base.encode.copy_escape); returns the end. */
static inline char *escape_byte(char *w, unsigned char c) {
    if (c >= 0x20 && c != 0x7F && c != '\\') {
        *w++ = (char)c;
        return w;
    }
    *w++ = '\\';
    switch (c) {
    case '\\': *w++ = '\\'; break;
    case '\t': *w++ = 't'; break;
    case '\n': *w++ = 'n'; break;
    case '\r': *w++ = 'r'; break;
    default:
        *w++ = 'x';
        *w++ = HEX[c >> 4];
        *w++ = HEX[c & 15];
    }
    return w;
}

/* Append raw text COPY-escaped. Returns -1 on memory error. */
static int put_escaped(Buf *out, const unsigned char *s, Py_ssize_t n) {
    if (buf_reserve(out, n * 4) < 0) return -1;
    char *w = out->data + out->len;
    for (Py_ssize_t i = 0; i < n; i++) w = escape_byte(w, s[i]);
    out->len = w - out->data;
    return 0;
}

/* Length of the valid UTF-8 sequence starting at s[0] (a byte >= 0x80), or 0 when it is not
 * one (as Python's decoder reads it: no surrogates, no overlong forms, nothing past U+10FFFF). */
static Py_ssize_t utf8_sequence(const unsigned char *s, Py_ssize_t avail) {
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    Py_ssize_t need;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (need >= avail || s[1] < lo || s[1] > hi) return 0;
    for (Py_ssize_t k = 2; k <= need; k++)
        if (s[k] < 0x80 || s[k] > 0xBF) return 0;
    return need + 1;
}

/* Strict UTF-8, as Python's decoder reads it. */
static int valid_utf8(const unsigned char *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        Py_ssize_t len = utf8_sequence(s + i, n - i);
        if (len == 0) return 0;
        i += len;
    }
    return 1;
}

/*
 * The string literal whose opening quote is at s[*pos], COPY-escaped straight into out, in
 * one pass: the same bytes as read_string, then valid_utf8, then put_escaped. Returns 1 (pos
 * after the closing quote), 0 outside the grammar (a line end, invalid UTF-8, no closing
 * quote), -1 on memory error.
 */
static int copy_string(const char *s, Py_ssize_t n, Py_ssize_t *pos, Buf *out) {
    const unsigned char *u = (const unsigned char *)s;
    Py_ssize_t i = *pos + 1;
    /* room for the rest of the input escaped: no growth inside the loop */
    if (buf_reserve(out, (n - i) * 4 + 4) < 0) return -1;
    char *w = out->data + out->len;
    while (i < n) {
        unsigned char c = u[i];
        if (c == '\'') {
            if (i + 1 < n && u[i + 1] == '\'') {
                *w++ = '\'';
                i += 2;
                continue;
            }
            out->len = w - out->data;
            *pos = i + 1;
            return 1;
        }
        if (c >= 0x80) {
            Py_ssize_t len = utf8_sequence(u + i, n - i);
            if (len == 0) return 0;
            memcpy(w, u + i, (size_t)len);
            w += len;
            i += len;
            continue;
        }
        if (c == '\n') return 0; /* the row would span lines */
        w = escape_byte(w, c);
        i++;
    }
    return 0; /* no closing quote */
}

/*
 * Read the string literal whose opening quote is at s[*pos] into tmp (quotes undoubled).
 * Returns 1 on success (pos after the closing quote), 0 when outside the grammar (a line
 * end inside: the row would span lines), -1 on memory error.
 */
static int read_string(const char *s, Py_ssize_t n, Py_ssize_t *pos, Buf *tmp) {
    Py_ssize_t i = *pos + 1;
    tmp->len = 0;
    for (;;) {
        const char *q = memchr(s + i, '\'', (size_t)(n - i));
        if (q == NULL) return 0;
        Py_ssize_t j = q - s;
        if (memchr(s + i, '\n', (size_t)(j - i)) != NULL) return 0;
        if (buf_put(tmp, s + i, j - i) < 0) return -1;
        if (j + 1 < n && s[j + 1] == '\'') {
            if (buf_put(tmp, "'", 1) < 0) return -1;
            i = j + 2;
            continue;
        }
        *pos = j + 1;
        return 1;
    }
}

static int expect(const char *s, Py_ssize_t n, Py_ssize_t *pos, const char *word) {
    Py_ssize_t len = (Py_ssize_t)strlen(word);
    if (*pos + len > n || memcmp(s + *pos, word, (size_t)len) != 0) return 0;
    *pos += len;
    return 1;
}

/* value.replace(marker, ch) as Python's bytes.replace does it (nothing for an empty marker). */
static int replace_into(Buf *dst, const Buf *src, const Buf *marker, char ch) {
    dst->len = 0;
    if (marker->len == 0) return buf_put(dst, src->data, src->len);
    Py_ssize_t i = 0;
    while (i < src->len) {
        if (src->len - i >= marker->len &&
            memcmp(src->data + i, marker->data, (size_t)marker->len) == 0) {
            if (buf_put(dst, &ch, 1) < 0) return -1;
            i += marker->len;
        } else {
            if (buf_put(dst, src->data + i, 1) < 0) return -1;
            i++;
        }
    }
    return 0;
}

/* ",'m',char(N))" after a string: the marker into marker, the character into *ch. */
static int read_replace_tail(const char *s, Py_ssize_t n, Py_ssize_t *pos, Buf *marker,
                             char *ch) {
    if (!expect(s, n, pos, ",") || *pos >= n || s[*pos] != '\'') return 0;
    int r = read_string(s, n, pos, marker);
    if (r <= 0) return r;
    if (expect(s, n, pos, ",char(10))")) {
        *ch = '\n';
        return 1;
    }
    if (expect(s, n, pos, ",char(13))")) {
        *ch = '\r';
        return 1;
    }
    return 0;
}

typedef struct {
    Buf a, b, marker;
} Scratch;

/* One of the two replace() forms .dump writes; the value's text ends up in *value. */
static int read_replace(const char *s, Py_ssize_t n, Py_ssize_t *pos, Scratch *t, Buf **value) {
    int nested = expect(s, n, pos, "replace(replace(");
    if (!nested && !expect(s, n, pos, "replace(")) return 0;
    if (*pos >= n || s[*pos] != '\'') return 0;
    int r = read_string(s, n, pos, &t->a);
    if (r <= 0) return r;
    char ch;
    r = read_replace_tail(s, n, pos, &t->marker, &ch);
    if (r <= 0) return r;
    if (nested && ch != '\r') return 0;
    if (replace_into(&t->b, &t->a, &t->marker, ch) < 0) return -1;
    if (!nested) {
        *value = &t->b;
        return 1;
    }
    r = read_replace_tail(s, n, pos, &t->marker, &ch);
    if (r <= 0) return r;
    if (ch != '\n') return 0;
    if (replace_into(&t->a, &t->b, &t->marker, ch) < 0) return -1;
    *value = &t->a;
    return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A number at s[*pos]: its class (C_INT or C_REAL), or 0 when outside the grammar. */
static int read_number(const char *s, Py_ssize_t n, Py_ssize_t *pos) {
    Py_ssize_t i = *pos;
    if (i < n && s[i] == '-') i++;
    Py_ssize_t start = i;
    while (i < n && is_digit(s[i])) i++;
    Py_ssize_t whole = i - start;
    int real = 0;
    Py_ssize_t frac = 0;
    if (i < n && s[i] == '.') {
        real = 1;
        i++;
        Py_ssize_t f = i;
        while (i < n && is_digit(s[i])) i++;
        frac = i - f;
        if (whole == 0 && frac == 0) return 0;
    } else if (whole == 0) {
        return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        real = 1;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        Py_ssize_t e = i;
        while (i < n && is_digit(s[i])) i++;
        /* three exponent digits or more: the Python path rewrites what PostgreSQL rejects */
        if (i - e < 1 || i - e > 2) return 0;
    }
    if (!real && whole > 18) return 0; /* int64 range is checked by the Python path */
    *pos = i;
    return real ? C_REAL : C_INT;
}

typedef struct {
    long long int_min, int_max; /* of the integers, when counts[1] > 0 */
    Py_ssize_t counts[5]; /* nulls, ints, reals, texts, blobs */
    int first;            /* the first non-NULL class, or 0 */
    int mixed;            /* more than one non-NULL class */
} Column;

static int class_index(int cls) {
    switch (cls) {
    case C_NULL: return 0;
    case C_INT: return 1;
    case C_REAL: return 2;
    case C_TEXT: return 3;
    default: return 4;
    }
}

static PyObject *convert(PyObject *self, PyObject *args) {
    const char *s, *prefix;
    Py_ssize_t n, plen, arity;
    (void)self;
    if (!PyArg_ParseTuple(args, "y#y#n", &s, &n, &prefix, &plen, &arity)) return NULL;
    if (arity < 1 || plen < 1 || n < 1 || memchr(s, 0, (size_t)n) != NULL) Py_RETURN_NONE;

    Py_ssize_t lines = 0;
    for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))) != NULL; p++) lines++;
    if (lines == 0 || s[n - 1] != '\n') Py_RETURN_NONE;

    PyObject *result = NULL, *shapes = NULL, *null_shape = NULL, *text_shape = NULL,
             *blob_shape = NULL, *copy = NULL, *columns = NULL, *digits[10] = {NULL};
    Buf out = {0}, classes = {0};
    Scratch t = {{0}, {0}, {0}};
    Column *cols = PyMem_Calloc((size_t)arity, sizeof(Column));
    if (cols == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    shapes = PyList_New(0);
    null_shape = PyBytes_FromStringAndSize("\\N", 2);
    text_shape = PyBytes_FromStringAndSize("\0", 1);
    blob_shape = PyBytes_FromStringAndSize("\\\\x\0", 4);
    if (!shapes || !null_shape || !text_shape || !blob_shape) goto done;
    for (int d = 0; d < 10; d++) {
        char digit = (char)('0' + d);
        if ((digits[d] = PyBytes_FromStringAndSize(&digit, 1)) == NULL) goto done;
    }
    if (buf_reserve(&out, n + n / 4) < 0 || buf_reserve(&classes, lines * arity) < 0) goto done;

    Py_ssize_t pos = 0, row = 0;
    while (pos < n) {
        /* Each row ends a line, so row < lines here: the class bytes of this row fit. Kept as
         * a check, as the bound of every write into classes. */
        if (row >= lines) goto decline;
        if (pos + plen > n || memcmp(s + pos, prefix, (size_t)plen) != 0) goto decline;
        pos += plen;
        for (Py_ssize_t c = 0; c < arity; c++) {
            if (c > 0) {
                if (pos >= n || s[pos] != ',') goto decline;
                pos++;
                if (buf_put(&out, "\t", 1) < 0) goto done;
            }
            if (pos >= n) goto decline;
            char ch = s[pos];
            int cls;
            PyObject *shape;
            if (ch == '\'') {
                int r = copy_string(s, n, &pos, &out);
                if (r < 0) goto done;
                if (r == 0) goto decline;
                cls = C_TEXT;
                shape = text_shape;
                Py_INCREF(shape);
            } else if (ch == 'r') {
                Buf *value = NULL;
                int r = read_replace(s, n, &pos, &t, &value);
                if (r < 0) goto done;
                if (r == 0 || !valid_utf8((unsigned char *)value->data, value->len)) goto decline;
                if (put_escaped(&out, (unsigned char *)value->data, value->len) < 0) goto done;
                cls = C_TEXT;
                shape = text_shape;
                Py_INCREF(shape);
            } else if (ch == 'N') {
                if (!expect(s, n, &pos, "NULL")) goto decline;
                if (buf_put(&out, "\\N", 2) < 0) goto done;
                cls = C_NULL;
                shape = null_shape;
                Py_INCREF(shape);
            } else if ((ch == 'X' || ch == 'x') && pos + 1 < n && s[pos + 1] == '\'') {
                Py_ssize_t i = pos + 2;
                while (i < n && is_hex(s[i])) i++;
                if (i >= n || s[i] != '\'' || (i - pos - 2) % 2) goto decline;
                if (i + 1 < n && s[i + 1] == '\'') goto decline;
                if (buf_put(&out, "\\\\x", 3) < 0 || buf_put(&out, s + pos + 2, i - pos - 2) < 0)
                    goto done;
                pos = i + 1;
                cls = C_BLOB;
                shape = blob_shape;
                Py_INCREF(shape);
            } else {
                Py_ssize_t start = pos;
                cls = read_number(s, n, &pos);
                if (cls == 0) goto decline;
                if (buf_put(&out, s + start, pos - start) < 0) goto done;
                if (pos - start == 1) { /* one digit: shared, as the text and NULL shapes */
                    shape = digits[s[start] - '0'];
                    Py_INCREF(shape);
                } else {
                    shape = PyBytes_FromStringAndSize(s + start, pos - start);
                    if (shape == NULL) goto done;
                }
                if (cls == C_INT) {
                    long long v = 0; /* at most 18 digits: within int64 */
                    for (Py_ssize_t i = start + (s[start] == '-'); i < pos; i++)
                        v = v * 10 + (s[i] - '0');
                    if (s[start] == '-') v = -v;
                    Column *col = &cols[c];
                    if (col->counts[1] == 0 || v < col->int_min) col->int_min = v;
                    if (col->counts[1] == 0 || v > col->int_max) col->int_max = v;
                }
            }
            int added = PyList_Append(shapes, shape);
            Py_DECREF(shape);
            if (added < 0) goto done;
            Column *col = &cols[c];
            col->counts[class_index(cls)]++;
            if (cls != C_NULL) {
                if (col->first == 0) col->first = cls;
                else if (col->first != cls) col->mixed = 1;
            }
            classes.data[row * arity + c] = (char)cls;
        }
        if (!expect(s, n, &pos, ");\n")) goto decline;
        if (buf_put(&out, "\n", 1) < 0) goto done;
        row++;
    }
    if (row != lines) goto decline;

    columns = PyList_New(arity);
    if (columns == NULL) goto done;
    for (Py_ssize_t c = 0; c < arity; c++) {
        Column *col = &cols[c];
        PyObject *per_row;
        if (col->mixed) {
            per_row = PyBytes_FromStringAndSize(NULL, row);
            if (per_row == NULL) goto done;
            char *w = PyBytes_AS_STRING(per_row);
            for (Py_ssize_t r = 0; r < row; r++) w[r] = classes.data[r * arity + c];
        } else {
            per_row = Py_None;
            Py_INCREF(per_row);
        }
        PyObject *range;
        if (col->counts[1]) {
            range = Py_BuildValue("(LL)", col->int_min, col->int_max);
            if (range == NULL) {
                Py_DECREF(per_row);
                goto done;
            }
        } else {
            range = Py_None;
            Py_INCREF(range);
        }
        PyObject *item = Py_BuildValue("(nnnnnNN)", col->counts[0], col->counts[1],
                                       col->counts[2], col->counts[3], col->counts[4], per_row,
                                       range);
        if (item == NULL) goto done;
        PyList_SET_ITEM(columns, c, item);
    }
    copy = PyBytes_FromStringAndSize(out.data, out.len);
    if (copy == NULL) goto done;
    result = PyTuple_Pack(3, copy, shapes, columns);
    goto done;

decline:
    result = Py_None;
    Py_INCREF(result);
done:
    Py_XDECREF(copy);
    Py_XDECREF(columns);
    Py_XDECREF(shapes);
    Py_XDECREF(null_shape);
    Py_XDECREF(text_shape);
    Py_XDECREF(blob_shape);
    for (int d = 0; d < 10; d++) Py_XDECREF(digits[d]);
    PyMem_Free(out.data);
    PyMem_Free(classes.data);
    PyMem_Free(t.a.data);
    PyMem_Free(t.b.data);
    PyMem_Free(t.marker.data);
    PyMem_Free(cols);
    return result;
}

/* ---- ISO dates and times: decide.stats's _TEMPORAL_COLUMN patterns, item by item ---- */

#define T_TIMESTAMP 0
#define T_DATE 1
#define T_TIME 2

static int two(const unsigned char *p, char lo0, char hi0, char hi1_if_hi0, char hi1) {
    /* two digits d0 d1 with lo0 <= d0 <= hi0, and d1 <= hi1 (or <= hi1_if_hi0 when d0 == hi0) */
    if (p[0] < (unsigned char)lo0 || p[0] > (unsigned char)hi0 || !is_digit((char)p[1]))
        return 0;
    return p[1] <= (unsigned char)(p[0] == (unsigned char)hi0 ? hi1_if_hi0 : hi1);
}

/* (?!0000)YYYY-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) */
static Py_ssize_t ymd(const unsigned char *p, Py_ssize_t n) {
    if (n < 10) return -1;
    for (int k = 0; k < 4; k++)
        if (!is_digit((char)p[k])) return -1;
    if (p[0] == '0' && p[1] == '0' && p[2] == '0' && p[3] == '0') return -1;
    if (p[4] != '-' || p[7] != '-') return -1;
    if (!two(p + 5, '0', '1', '2', '9') || (p[5] == '0' && p[6] == '0')) return -1;
    if (!two(p + 8, '0', '3', '1', '9') || (p[8] == '0' && p[9] == '0')) return -1;
    return 10;
}

/* ([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)? */
static Py_ssize_t hms(const unsigned char *p, Py_ssize_t n) {
    if (n < 5 || !two(p, '0', '2', '3', '9') || p[2] != ':' || !two(p + 3, '0', '5', '9', '9'))
        return -1;
    Py_ssize_t i = 5;
    if (n - i >= 3 && p[i] == ':' && two(p + i + 1, '0', '5', '9', '9')) {
        i += 3;
        if (i < n && p[i] == '.') {
            Py_ssize_t f = i + 1;
            while (f < n && f - i - 1 < 6 && is_digit((char)p[f])) f++;
            if (f > i + 1) i = f;
        }
    }
    return i;
}

/* (Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?) */
static Py_ssize_t offset(const unsigned char *p, Py_ssize_t n) {
    if (n >= 1 && p[0] == 'Z') return 1;
    if (n < 3 || (p[0] != '+' && p[0] != '-') || !two(p + 1, '0', '1', '5', '9')) return -1;
    if (n >= 6 && p[3] == ':' && two(p + 4, '0', '5', '9', '9')) return 6;
    if (n >= 5 && two(p + 3, '0', '5', '9', '9')) return 5;
    return 3;
}

/* Whether YYYY-MM-DD (matched by ymd) names a day of the proleptic Gregorian calendar. */
static int valid_day(const unsigned char *p) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int month = (p[5] - '0') * 10 + (p[6] - '0');
    int day = (p[8] - '0') * 10 + (p[9] - '0');
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days[month - 1] + (month == 2 && leap);
}

/* One value, in full, as a date, a time or a timestamp: 0 when it is not one (or names a day
 * the month does not have), 2 when it is a timestamp with a UTC offset, else 1. */
static int temporal_item(const unsigned char *p, Py_ssize_t n, int kind) {
    Py_ssize_t i;
    if (kind == T_TIME) return hms(p, n) == n;
    if ((i = ymd(p, n)) < 0 || !valid_day(p)) return 0;
    if (kind == T_DATE || i == n) return i == n;
    if (p[i] != ' ' && p[i] != 'T') return 0;
    i++;
    Py_ssize_t t = hms(p + i, n - i);
    if (t < 0) return 0;
    i += t;
    if (i == n) return 1;
    Py_ssize_t o = offset(p + i, n - i);
    return o >= 0 && i + o == n ? 2 : 0;
}

static PyObject *temporal_column(PyObject *self, PyObject *args) {
    const char *s;
    Py_ssize_t n;
    int kind;
    (void)self;
    if (!PyArg_ParseTuple(args, "y#i", &s, &n, &kind)) return NULL;
    if (kind < T_TIMESTAMP || kind > T_TIME) {
        PyErr_SetString(PyExc_ValueError, "kind is 0 (timestamp), 1 (date) or 2 (time)");
        return NULL;
    }
    const unsigned char *p = (const unsigned char *)s;
    Py_ssize_t start = 0, offsets = 0;
    for (;;) {
        const unsigned char *nl = memchr(p + start, '\n', (size_t)(n - start));
        Py_ssize_t end = nl ? nl - p : n;
        int got = temporal_item(p + start, end - start, kind);
        if (got == 0) return PyLong_FromLong(-1);
        offsets += got == 2;
        if (nl == NULL) return PyLong_FromSsize_t(offsets);
        start = end + 1;
    }
}

/* ---- the end of a run of INSERT lines: read.splitter's search, one memchr per line ---- */

/* The index just after the first line end at or after start that is followed neither by
 * prefix nor by "  (" (a further row of a multi-row INSERT), or -1: what
 * re.search(b"\n(?!" + re.escape(prefix) + b"|  \\()", buf, start).end() finds. */
static PyObject *foreign_line(PyObject *self, PyObject *args) {
    const char *s, *prefix;
    Py_ssize_t n, plen, start;
    (void)self;
    if (!PyArg_ParseTuple(args, "y#ny#", &s, &n, &start, &prefix, &plen)) return NULL;
    if (start < 0) start = 0;
    for (Py_ssize_t p = start; p < n;) {
        const char *nl = memchr(s + p, '\n', (size_t)(n - p));
        if (nl == NULL) break;
        Py_ssize_t next = nl - s + 1, rest = n - next;
        if (!(rest >= plen && memcmp(s + next, prefix, (size_t)plen) == 0) &&
            !(rest >= 3 && memcmp(s + next, "  (", 3) == 0))
            return PyLong_FromSsize_t(next);
        p = next;
    }
    return PyLong_FromLong(-1);
}

/* ---- bytes.count of one byte, in a loop the compiler vectorizes (CPython's stops early) ---- */

static PyObject *count_byte(PyObject *self, PyObject *args) {
    const char *s;
    Py_ssize_t n, start, end;
    int byte;
    (void)self;
    if (!PyArg_ParseTuple(args, "y#inn", &s, &n, &byte, &start, &end)) return NULL;
    /* the bounds as bytes.count reads them (negative ones count from the end) */
    if (start < 0) start = start + n < 0 ? 0 : start + n;
    if (end < 0) end = end + n < 0 ? 0 : end + n;
    if (end > n) end = n;
    const unsigned char *u = (const unsigned char *)s;
    const unsigned char b = (unsigned char)byte;
    Py_ssize_t count = 0;
    for (Py_ssize_t i = start; i < end; i++) count += u[i] == b;
    return PyLong_FromSsize_t(count);
}

static PyMethodDef methods[] = {
    {"convert", convert, METH_VARARGS,
     "convert(body, prefix, arity) -> (copy, shapes, columns) or None"},
    {"count_byte", count_byte, METH_VARARGS,
     "count_byte(buf, byte, start, end) -> int: buf.count(bytes([byte]), start, end)"},
    {"foreign_line", foreign_line, METH_VARARGS,
     "foreign_line(buf, start, prefix) -> int: after the first line end not followed by "
     "prefix or '  (', or -1"},
    {"temporal_column", temporal_column, METH_VARARGS,
     "temporal_column(joined, kind) -> int: -1 unless every line is a valid timestamp (0), "
     "date (1) or time (2); else how many lines end in a UTC offset"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_creader",
    "The common case of dumpconv.read.fast.convert_run in C (see creader.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__creader(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddStringConstant(m, "SOURCE_SHA256", DUMPCONV_SOURCE_SHA256) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
