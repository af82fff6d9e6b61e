/*
 * dumpconv._csqlite: a database file read in one read-only transaction, each table's rows
 * written as the INSERT statements of sqlite3 3.40.1's .dump, in C.
 *
 * read.snapshot reads a database with Python's sqlite3 module and has SQLite build each
 * row's text in SQL (read.dumptext.row_select); that SQL costs about twice what the sqlite3
 * shell spends writing the same text. This module writes each row as that SELECT would,
 * value by value (read.dumptext's _VALUE, case by case, commented below), from the values
 * sqlite3_step gives, with SQLite's own printf for reals. read.snapshot uses it for UTF-8
 * databases when it is built (tests/read/test_csqlite.py compares the two).
 *
 *   open(uri) -> db               sqlite3_open_v2(READONLY | URI), busy timeout 5 s (as
 *                                 Python's sqlite3.connect)
 *   query(db, sql) -> [tuple]     every row: int, float, bytes (text, blob) or None
 *   rows(db, sql) -> stmt         a prepared SELECT of a table's columns
 *   chunk(stmt, prefix, size)     the next rows' text, whole lines of about size bytes;
 *                                 b"" at the end
 *   close(db)                     end the transaction and close (also on garbage collection)
 *
 * Errors are sqlite3.OperationalError (sqlite3.DatabaseError for a damaged file) with
 * sqlite_errorcode and sqlite_errorname set, as Python's module raises them.
 */
#include "cbuf.h"
#include <math.h>
#include <sqlite3.h>

#ifndef DUMPCONV_SOURCE_SHA256
#define DUMPCONV_SOURCE_SHA256 ""
#endif

typedef struct {
    sqlite3 *db;
} Db;

typedef struct {
    sqlite3_stmt *stmt;
    PyObject *db; /* the capsule of the database, kept open while the statement lives */
    int done;
} Stmt;

static const char DB_NAME[] = "dumpconv._csqlite.db";
static const char STMT_NAME[] = "dumpconv._csqlite.stmt";

static const char *code_name(int code) {
    switch (code & 0xff) {
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_NOMEM: return "SQLITE_NOMEM";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL: return "SQLITE_PROTOCOL";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    case SQLITE_AUTH: return "SQLITE_AUTH";
    case SQLITE_PERM: return "SQLITE_PERM";
    default: return "SQLITE_ERROR";
    }
}

/* Raise the sqlite3 module's exception for a failed call on db (or code without db). */
static PyObject *raise_sqlite(sqlite3 *db, int code) {
    PyObject *module = PyImport_ImportModule("sqlite3");
    if (module == NULL) return NULL;
    int primary = code & 0xff;
    const char *kind =
        primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ? "DatabaseError" : "OperationalError";
    PyObject *type = PyObject_GetAttrString(module, kind);
    Py_DECREF(module);
    if (type == NULL) return NULL;
    const char *message = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    PyObject *error = PyObject_CallFunction(type, "s", message);
    Py_DECREF(type);
    if (error == NULL) return NULL;
    PyObject *number = PyLong_FromLong(code);
    PyObject *name = PyUnicode_FromString(code_name(code));
    if (number == NULL || name == NULL || PyObject_SetAttrString(error, "sqlite_errorcode", number) < 0 ||
        PyObject_SetAttrString(error, "sqlite_errorname", name) < 0) {
        Py_XDECREF(number);
        Py_XDECREF(name);
        Py_DECREF(error);
        return NULL;
    }
    Py_DECREF(number);
    Py_DECREF(name);
    PyErr_SetObject((PyObject *)Py_TYPE(error), error);
    Py_DECREF(error);
    return NULL;
}

static void db_destroy(PyObject *capsule) {
    Db *d = PyCapsule_GetPointer(capsule, DB_NAME);
    if (d == NULL) return;
    if (d->db != NULL) sqlite3_close_v2(d->db);
    PyMem_Free(d);
}

static Db *db_of(PyObject *capsule) {
    Db *d = PyCapsule_GetPointer(capsule, DB_NAME);
    if (d != NULL && d->db == NULL) {
        PyErr_SetString(PyExc_ValueError, "the database is closed");
        return NULL;
    }
    return d;
}

static PyObject *db_open(PyObject *self, PyObject *args) {
    const char *uri;
    (void)self;
    if (!PyArg_ParseTuple(args, "s", &uri)) return NULL;
    Db *d = PyMem_Calloc(1, sizeof(Db));
    if (d == NULL) return PyErr_NoMemory();
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = sqlite3_open_v2(uri, &d->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    Py_END_ALLOW_THREADS
    if (rc != SQLITE_OK) {
        raise_sqlite(d->db, d->db != NULL ? sqlite3_extended_errcode(d->db) : rc);
        sqlite3_close_v2(d->db);
        PyMem_Free(d);
        return NULL;
    }
    sqlite3_extended_result_codes(d->db, 1);
    sqlite3_busy_timeout(d->db, 5000);
    PyObject *capsule = PyCapsule_New(d, DB_NAME, db_destroy);
    if (capsule == NULL) {
        sqlite3_close_v2(d->db);
        PyMem_Free(d);
    }
    return capsule;
}

static PyObject *db_close(PyObject *self, PyObject *args) {
    PyObject *capsule;
    (void)self;
    if (!PyArg_ParseTuple(args, "O", &capsule)) return NULL;
    Db *d = PyCapsule_GetPointer(capsule, DB_NAME);
    if (d == NULL) return NULL;
    if (d->db != NULL) {
        sqlite3_close_v2(d->db); /* statements still alive keep it until finalized */
        d->db = NULL;
    }
    Py_RETURN_NONE;
}

/* The (db, sql) arguments of query() and rows(); NULL with an exception set. */
static Db *db_and_sql(PyObject *args, PyObject **capsule, const char **sql) {
    if (!PyArg_ParseTuple(args, "Os", capsule, sql)) return NULL;
    return db_of(*capsule);
}

static PyObject *column_value(sqlite3_stmt *stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: return PyLong_FromLongLong(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT: return PyFloat_FromDouble(sqlite3_column_double(stmt, i));
    case SQLITE_NULL: Py_RETURN_NONE;
    case SQLITE_TEXT: {
        const unsigned char *z = sqlite3_column_text(stmt, i);
        return PyBytes_FromStringAndSize((const char *)z, sqlite3_column_bytes(stmt, i));
    }
    default: {
        const void *z = sqlite3_column_blob(stmt, i);
        return PyBytes_FromStringAndSize(z, sqlite3_column_bytes(stmt, i));
    }
    }
}

static PyObject *db_query(PyObject *self, PyObject *args) {
    PyObject *capsule;
    const char *sql;
    (void)self;
    Db *d = db_and_sql(args, &capsule, &sql);
    if (d == NULL) return NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(d->db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK) return raise_sqlite(d->db, sqlite3_extended_errcode(d->db));
    PyObject *out = PyList_New(0);
    while (out != NULL) {
        Py_BEGIN_ALLOW_THREADS
        rc = sqlite3_step(stmt);
        Py_END_ALLOW_THREADS
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            Py_CLEAR(out);
            raise_sqlite(d->db, sqlite3_extended_errcode(d->db));
            break;
        }
        int n = sqlite3_column_count(stmt);
        PyObject *row = PyTuple_New(n);
        for (int i = 0; row != NULL && i < n; i++) {
            PyObject *v = column_value(stmt, i);
            if (v == NULL) Py_CLEAR(row);
            else PyTuple_SET_ITEM(row, i, v);
        }
        if (row == NULL || PyList_Append(out, row) < 0) Py_CLEAR(out);
        Py_XDECREF(row);
    }
    sqlite3_finalize(stmt);
    return out;
}

static void stmt_destroy(PyObject *capsule) {
    Stmt *s = PyCapsule_GetPointer(capsule, STMT_NAME);
    if (s == NULL) return;
    sqlite3_finalize(s->stmt);
    Py_XDECREF(s->db);
    PyMem_Free(s);
}

static PyObject *db_rows(PyObject *self, PyObject *args) {
    PyObject *capsule;
    const char *sql;
    (void)self;
    Db *d = db_and_sql(args, &capsule, &sql);
    if (d == NULL) return NULL;
    Stmt *s = PyMem_Calloc(1, sizeof(Stmt));
    if (s == NULL) return PyErr_NoMemory();
    if (sqlite3_prepare_v2(d->db, sql, -1, &s->stmt, NULL) != SQLITE_OK) {
        PyMem_Free(s);
        return raise_sqlite(d->db, sqlite3_extended_errcode(d->db));
    }
    Py_INCREF(capsule);
    s->db = capsule;
    PyObject *out = PyCapsule_New(s, STMT_NAME, stmt_destroy);
    if (out == NULL) {
        sqlite3_finalize(s->stmt);
        Py_DECREF(capsule);
        PyMem_Free(s);
    }
    return out;
}

static const char HEX_LOWER[] = "0123456789abcdef";
static const char HEX_UPPER[] = "0123456789ABCDEF";

static int contains(const char *z, int n, const char *needle) {
    size_t m = strlen(needle);
    for (int i = 0; i + (int)m <= n; i++)
        if (memcmp(z + i, needle, m) == 0) return 1;
    return 0;
}

/* z with ' doubled, CR and LF replaced by their markers (NULL: kept; at most 4 bytes). */
static int put_body(Buf *out, const char *z, int n, const char *cr, const char *lf) {
    if (buf_reserve(out, (Py_ssize_t)n * 4 + 2) < 0) return -1;
    char *w = out->data + out->len;
    for (int i = 0; i < n; i++) {
        char c = z[i];
        const char *mark = c == '\r' ? cr : c == '\n' ? lf : NULL;
        if (c == '\'') {
            *w++ = '\'';
            *w++ = '\'';
        } else if (mark != NULL) {
            size_t m = strlen(mark);
            memcpy(w, mark, m);
            w += m;
        } else {
            *w++ = c;
        }
    }
    out->len = w - out->data;
    return 0;
}

/* A text value, as read.dumptext's _TEXT writes it (UTF-8 databases: the text is the
 * stored bytes). */
static int put_text(Buf *out, const char *z, int n) {
    int lf = memchr(z, '\n', (size_t)n) != NULL;
    int cr = memchr(z, '\r', (size_t)n) != NULL;
    int nul = memchr(z, 0, (size_t)n) != NULL;
    /* WHEN NOT (LF OR CR OR NUL) THEN quote(c) */
    if (!lf && !cr && !nul) {
        return buf_put(out, "'", 1) < 0 || put_body(out, z, n, NULL, NULL) < 0 ||
                       buf_put(out, "'", 1) < 0
                   ? -1
                   : 0;
    }
    int has_n = contains(z, n, "\\n"), has_r = contains(z, n, "\\r");
    /* WHEN special THEN char(0)||hex(c)||char(0): read.dumptext.fix_specials writes it */
    if (nul || (lf && has_n && contains(z, n, "\\012")) || (cr && has_r && contains(z, n, "\\015"))) {
        if (buf_reserve(out, (Py_ssize_t)n * 2 + 2) < 0) return -1;
        char *w = out->data + out->len;
        *w++ = 0;
        for (int i = 0; i < n; i++) {
            unsigned char c = (unsigned char)z[i];
            *w++ = HEX_UPPER[c >> 4];
            *w++ = HEX_UPPER[c & 15];
        }
        *w++ = 0;
        out->len = w - out->data;
        return 0;
    }
    const char *lf_mark = has_n ? "\\012" : "\\n";
    const char *cr_mark = has_r ? "\\015" : "\\r";
    /* the head: 'replace(' once per kind of line end */
    if (lf && buf_put(out, "replace(", 8) < 0) return -1;
    if (cr && buf_put(out, "replace(", 8) < 0) return -1;
    if (buf_put(out, "'", 1) < 0 || put_body(out, z, n, cr_mark, lf_mark) < 0 ||
        buf_put(out, "'", 1) < 0)
        return -1;
    if (cr) {
        if (buf_put(out, ",'", 2) < 0 || buf_put(out, cr_mark, (Py_ssize_t)strlen(cr_mark)) < 0 ||
            buf_put(out, "',char(13))", 11) < 0)
            return -1;
    }
    if (lf) {
        if (buf_put(out, ",'", 2) < 0 || buf_put(out, lf_mark, (Py_ssize_t)strlen(lf_mark)) < 0 ||
            buf_put(out, "',char(10))", 11) < 0)
            return -1;
    }
    return 0;
}

/* A real, as read.dumptext's _REAL writes it. */
static int put_real(Buf *out, double r) {
    char text[64];
    if (isinf(r)) return buf_put(out, r > 0 ? "1e999" : "-1e999", r > 0 ? 5 : 6);
    /* WHEN c=CAST(c AS INTEGER): SQLite's cast saturates at the int64 bounds, and its
     * comparison of a real with an integer is exact. */
    sqlite3_int64 i;
    int integral;
    if (r <= -9223372036854775808.0) {
        i = (sqlite3_int64)(-9223372036854775807LL - 1);
        integral = r == -9223372036854775808.0;
    } else if (r >= 9223372036854775808.0) {
        i = 0;
        integral = 0; /* cast to 2^63-1, which no double equals */
    } else {
        i = (sqlite3_int64)r;
        integral = (double)i == r;
    }
    if (integral) {
        sqlite3_snprintf((int)sizeof text, text, "%lld.0", i);
    } else {
        sqlite3_snprintf((int)sizeof text, text, "%!.20g", r);
    }
    return buf_put(out, text, (Py_ssize_t)strlen(text));
}

static int put_value(Buf *out, sqlite3_stmt *stmt, int i) {
    char text[32];
    switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
        sqlite3_snprintf((int)sizeof text, text, "%lld", sqlite3_column_int64(stmt, i));
        return buf_put(out, text, (Py_ssize_t)strlen(text));
    case SQLITE_FLOAT: return put_real(out, sqlite3_column_double(stmt, i));
    case SQLITE_NULL: return buf_put(out, "NULL", 4);
    case SQLITE_TEXT: {
        const char *z = (const char *)sqlite3_column_text(stmt, i);
        int n = sqlite3_column_bytes(stmt, i);
        if (z == NULL && n > 0) {
            PyErr_NoMemory();
            return -1;
        }
        return put_text(out, z != NULL ? z : "", n);
    }
    default: {
        const unsigned char *b = sqlite3_column_blob(stmt, i);
        int n = sqlite3_column_bytes(stmt, i);
        if (buf_reserve(out, (Py_ssize_t)n * 2 + 3) < 0) return -1;
        char *w = out->data + out->len;
        *w++ = 'X';
        *w++ = '\'';
        for (int k = 0; k < n; k++) {
            *w++ = HEX_LOWER[b[k] >> 4];
            *w++ = HEX_LOWER[b[k] & 15];
        }
        *w++ = '\'';
        out->len = w - out->data;
        return 0;
    }
    }
}

static PyObject *stmt_chunk(PyObject *self, PyObject *args) {
    PyObject *capsule;
    const char *prefix;
    Py_ssize_t plen, size;
    (void)self;
    if (!PyArg_ParseTuple(args, "Oy#n", &capsule, &prefix, &plen, &size)) return NULL;
    Stmt *s = PyCapsule_GetPointer(capsule, STMT_NAME);
    if (s == NULL) return NULL;
    Buf out = {0};
    PyObject *result = NULL;
    if (buf_reserve(&out, size + 4096) < 0) return NULL;
    while (!s->done && out.len < size) {
        int rc = sqlite3_step(s->stmt);
        if (rc == SQLITE_DONE) {
            s->done = 1;
            break;
        }
        if (rc != SQLITE_ROW) {
            sqlite3 *db = sqlite3_db_handle(s->stmt);
            raise_sqlite(db, sqlite3_extended_errcode(db));
            goto done;
        }
        if (buf_put(&out, prefix, plen) < 0) goto done;
        int n = sqlite3_column_count(s->stmt);
        for (int i = 0; i < n; i++) {
            if (i > 0 && buf_put(&out, ",", 1) < 0) goto done;
            if (put_value(&out, s->stmt, i) < 0) goto done;
        }
        if (buf_put(&out, ");\n", 3) < 0) goto done;
    }
    result = PyBytes_FromStringAndSize(out.data, out.len);
done:
    PyMem_Free(out.data);
    return result;
}

static PyMethodDef methods[] = {
    {"open", db_open, METH_VARARGS, "open(uri) -> db: read-only, busy timeout 5 s"},
    {"query", db_query, METH_VARARGS, "query(db, sql) -> list of tuples"},
    {"rows", db_rows, METH_VARARGS, "rows(db, sql) -> stmt: a table's SELECT"},
    {"chunk", stmt_chunk, METH_VARARGS,
     "chunk(stmt, prefix, size) -> bytes: the next rows as .dump's INSERT lines, b'' at the end"},
    {"close", db_close, METH_VARARGS, "close(db): end the transaction, close the database"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_csqlite",
    "A database's rows as sqlite3 .dump's INSERT text, in C (see csqlite.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__csqlite(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddStringConstant(m, "SOURCE_SHA256", DUMPCONV_SOURCE_SHA256) < 0 ||
        PyModule_AddStringConstant(m, "SQLITE_VERSION", sqlite3_libversion()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
