/* Optional speed-up of the Avaya CMS agent report's changed-rows path (see agents.py).
 *
 * Between two report runs most rows differ from the last run only in their time in state, and
 * AgentReport.prepare() writes down each row's text as it will read next run. Looking every row
 * of a 42,000-row run up among those predictions is the bulk of a run's work in Python: making a
 * str of each line, hashing it, probing a dict. Lookup.scan() does it on the bytes as read: it
 * walks the lines, finds each among the predictions by its bytes, marks the last run's rows
 * found again, and makes a str only of a line that is not a prediction; a line that is hands
 * on the prediction's own str (the same text). Everything else stays in Python.
 *
 * Semantics are those of the pure-Python path, which stays and is tested against this one:
 * lines are what bytes.split(b"\n") gives (a CR stays at the end of its line); a line is text
 * decoded as UTF-8 or, where it is not UTF-8, as Latin-1; the scan stops at the first line
 * that is not an "F1|" row or is longer than the framing allows, and leaves it to Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t hash;
    const char *data; /* the key's UTF-8 bytes, owned by `key` */
    Py_ssize_t size;
    PyObject *key;    /* a str; NULL: an empty entry */
    Py_ssize_t value;
} Entry;

typedef struct {
    PyObject_HEAD
    Entry *entries;
    size_t mask; /* capacity - 1; capacity a power of two, at least twice the keys */
    Py_ssize_t count;
    /* When the values are 0 .. count-1 (slots, numbered in the last run's row order): the
     * entry of each value, so a run's rows, which come in much the same order, are first
     * compared with the row expected next, without hashing or probing. Else NULL. */
    Py_ssize_t *order;
} Lookup;

static uint64_t
hash_bytes(const char *p, Py_ssize_t n)
{
    /* Eight bytes at a time, then the rest; a multiply-rotate mix, finished as murmur does. */
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (((h << 5) | (h >> 59)) ^ w) * 0x517CC1B727220A95ULL;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, (size_t)n);
        h = (((h << 5) | (h >> 59)) ^ w) * 0x517CC1B727220A95ULL;
    }
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

static const Entry *
find(const Lookup *t, const char *p, Py_ssize_t n, uint64_t h)
{
    size_t i = (size_t)h & t->mask;
    for (;;) {
        const Entry *e = &t->entries[i];
        if (e->key == NULL)
            return NULL;
        if (e->hash == h && e->size == n && memcmp(e->data, p, (size_t)n) == 0)
            return e;
        i = (i + 1) & t->mask;
    }
}

static void
Lookup_dealloc(Lookup *self)
{
    if (self->entries) {
        for (size_t i = 0; i <= self->mask; i++)
            Py_XDECREF(self->entries[i].key);
        PyMem_Free(self->entries);
    }
    PyMem_Free(self->order);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Lookup(mapping): a table of mapping's str keys (as UTF-8 bytes) to its int values. */
static int
Lookup_init(Lookup *self, PyObject *args, PyObject *kwds)
{
    PyObject *mapping;
    static char *kwlist[] = {"mapping", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!:Lookup", kwlist, &PyDict_Type, &mapping))
        return -1;
    if (self->entries != NULL) {
        PyErr_SetString(PyExc_TypeError, "a Lookup is built once");
        return -1;
    }
    Py_ssize_t n = PyDict_GET_SIZE(mapping);
    size_t capacity = 16;
    while (capacity < (size_t)n * 2 + 1)
        capacity <<= 1;
    self->entries = PyMem_Calloc(capacity, sizeof(Entry));
    if (self->entries == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->mask = capacity - 1;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(mapping, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "Lookup keys must be str");
            return -1;
        }
        Py_ssize_t size;
        const char *data = PyUnicode_AsUTF8AndSize(key, &size);
        if (data == NULL)
            return -1;
        Py_ssize_t v = PyLong_AsSsize_t(value);
        if (v == -1 && PyErr_Occurred())
            return -1;
        uint64_t h = hash_bytes(data, size);
        size_t i = (size_t)h & self->mask;
        while (self->entries[i].key != NULL)
            i = (i + 1) & self->mask; /* dict keys are distinct: no need to compare */
        Py_INCREF(key);
        self->entries[i] = (Entry){h, data, size, key, v};
        self->count++;
    }
    if (n == 0)
        return 0;
    self->order = PyMem_Malloc((size_t)n * sizeof(Py_ssize_t));
    if (self->order == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t v = 0; v < n; v++)
        self->order[v] = -1;
    for (size_t i = 0; i <= self->mask; i++) {
        const Entry *e = &self->entries[i];
        if (e->key == NULL)
            continue;
        if (e->value < 0 || e->value >= n || self->order[e->value] != -1) {
            PyMem_Free(self->order); /* not a numbering of the keys: no order to follow */
            self->order = NULL;
            break;
        }
        self->order[e->value] = (Py_ssize_t)i;
    }
    return 0;
}

/* The entry expected at `value` in the order, if `line` is its key. */
static inline const Entry *
at(const Lookup *t, Py_ssize_t value, const char *line, Py_ssize_t n)
{
    if (value < 0 || value >= t->count)
        return NULL;
    const Entry *e = &t->entries[t->order[value]];
    return e->size == n && memcmp(e->data, line, (size_t)n) == 0 ? e : NULL;
}

static Py_ssize_t
Lookup_len(Lookup *self)
{
    return self->count;
}

static PyObject *
decode_line(const char *p, Py_ssize_t n)
{
    PyObject *s = PyUnicode_DecodeUTF8(p, n, NULL);
    if (s == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        s = PyUnicode_DecodeLatin1(p, n, NULL);
    }
    return s;
}

/* scan(buf, end, none, near, seen, max_line) -> (lines, found, unmatched, stop)
 *
 * The lines of buf[:end] (end: the index of a b"\n"), up to the first one that is not an F1
 * row or is longer than max_line. lines: a str per line; found: per line its value in this
 * table, else in `near` (a Lookup or None), else `none`, as native ints (array("i") bytes);
 * unmatched: the indexes of the lines found in neither; seen[value] is set to 1 for each value
 * found; stop: where the lines not scanned start (end + 1 if every line was).
 */
static PyObject *
Lookup_scan(Lookup *self, PyObject *args)
{
    Py_buffer buf, seen;
    Py_ssize_t end, none, max_line;
    PyObject *near_obj;
    if (!PyArg_ParseTuple(args, "y*nnOw*n:scan", &buf, &end, &none, &near_obj, &seen, &max_line))
        return NULL;
    PyObject *lines = NULL, *found = NULL, *unmatched = NULL, *result = NULL;
    const Lookup *near = NULL;
    if (near_obj != Py_None) {
        if (!PyObject_TypeCheck(near_obj, Py_TYPE(self))) {
            PyErr_SetString(PyExc_TypeError, "near must be a Lookup or None");
            goto done;
        }
        near = (const Lookup *)near_obj;
    }
    if (end < 0 || end >= buf.len || ((const char *)buf.buf)[end] != '\n') {
        PyErr_SetString(PyExc_ValueError, "end must index a line feed in buf");
        goto done;
    }
    const char *data = buf.buf;
    unsigned char *marks = seen.buf;
    Py_ssize_t marks_len = seen.len;
    lines = PyList_New(0);
    unmatched = PyList_New(0);
    /* found: int32 per line; sized for the worst case of one line per two bytes */
    found = PyBytes_FromStringAndSize(NULL, (end / 2 + 1) * (Py_ssize_t)sizeof(int32_t));
    if (lines == NULL || unmatched == NULL || found == NULL)
        goto done;
    int32_t *out = (int32_t *)PyBytes_AS_STRING(found);
    Py_ssize_t count = 0, pos = 0;
    /* Following the order: the value expected next, and the one before a jump. A row that is
     * not the one expected may be new (the expected one comes next) or in its place. */
    Py_ssize_t next = 0, resume = -1;
    while (pos <= end) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', (size_t)(end + 1 - pos));
        Py_ssize_t n = nl - line;
        if (n < 3 || n > max_line || line[0] != 'F' || line[1] != '1' || line[2] != '|')
            break;
        const Entry *e = NULL;
        if (self->order != NULL) {
            e = at(self, next, line, n);
            if (e == NULL)
                e = at(self, resume, line, n);
        }
        if (e == NULL) {
            uint64_t h = hash_bytes(line, n);
            e = find(self, line, n, h);
            if (e != NULL && self->order != NULL) { /* out of order: a jump */
                resume = next;
                next = e->value + 1;
            }
            else if (e == NULL) {
                resume = next + 1;
                if (near != NULL)
                    e = find(near, line, n, h);
            }
        }
        else {
            next = e->value + 1;
        }
        PyObject *text;
        Py_ssize_t value;
        if (e != NULL) {
            text = e->key;
            Py_INCREF(text);
            value = e->value;
            if (value >= 0 && value < marks_len)
                marks[value] = 1;
        }
        else {
            text = decode_line(line, n);
            if (text == NULL)
                goto done;
            value = none;
            PyObject *index = PyLong_FromSsize_t(count);
            if (index == NULL || PyList_Append(unmatched, index) < 0) {
                Py_XDECREF(index);
                Py_DECREF(text);
                goto done;
            }
            Py_DECREF(index);
        }
        if (PyList_Append(lines, text) < 0) {
            Py_DECREF(text);
            goto done;
        }
        Py_DECREF(text);
        out[count++] = (int32_t)value;
        pos += n + 1;
    }
    if (_PyBytes_Resize(&found, count * (Py_ssize_t)sizeof(int32_t)) < 0)
        goto done; /* found is NULL now */
    result = Py_BuildValue("(OOOn)", lines, found, unmatched, pos);
done:
    Py_XDECREF(lines);
    Py_XDECREF(found);
    Py_XDECREF(unmatched);
    PyBuffer_Release(&buf);
    PyBuffer_Release(&seen);
    return result;
}

static PyMethodDef Lookup_methods[] = {
    {"scan", (PyCFunction)Lookup_scan, METH_VARARGS,
     "scan(buf, end, none, near, seen, max_line) -> (lines, found, unmatched, stop)"},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Lookup_as_sequence = {
    .sq_length = (lenfunc)Lookup_len,
};

static PyTypeObject LookupType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "integrations.avaya_cms._speedups.Lookup",
    .tp_doc = "Lookup(mapping): str keys (as UTF-8) to int values, for Lookup.scan",
    .tp_basicsize = sizeof(Lookup),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Lookup_init,
    .tp_dealloc = (destructor)Lookup_dealloc,
    .tp_methods = Lookup_methods,
    .tp_as_sequence = &Lookup_as_sequence,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "integrations.avaya_cms._speedups",
    .m_doc = "Optional C speed-up of the agent report's row lookup (see agents.py).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&LookupType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&LookupType);
    if (PyModule_AddObject(m, "Lookup", (PyObject *)&LookupType) < 0) {
        Py_DECREF(&LookupType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
