/* Optional speed-up of the Avaya CMS agent report's changed-rows path (see agents.py).
 *
 * Between two report runs most rows differ from the last run only in their time in state, and
 * AgentReport.prepare() writes down each row's text as it will read next run. Looking every row
 * of a 42,000-row run up among those predictions is the bulk of a run's work in Python: making a
 * str of each line, hashing it, probing a dict. Lookup.scan() does it on the bytes as read: it
 * walks the lines, finds each among the predictions by its bytes, marks the last run's rows
 * found again, and makes a str only of a line that is not a prediction; a line that is hands
 * on the prediction's own str (the same text). RowParser.parse parses the rows that are no
 * prediction (the agents who changed), and changes() finds the agents who changed or left;
 * everything else stays in Python.
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
    /* When the values are 0 .. count-1 (slots, numbered in the last run's row order): a copy
     * of each value's entry, in value order, so a run's rows, which come in much the same
     * order, are first
     * compared with the row expected next, without hashing or probing. Else NULL. */
    Entry *order; /* read in sequence as the rows come: no jump into the hash table */
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
    self->order = PyMem_Calloc((size_t)n, sizeof(Entry));
    if (self->order == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i <= self->mask; i++) {
        const Entry *e = &self->entries[i];
        if (e->key == NULL)
            continue;
        if (e->value < 0 || e->value >= n || self->order[e->value].key != NULL) {
            PyMem_Free(self->order); /* not a numbering of the keys: no order to follow */
            self->order = NULL;
            break;
        }
        self->order[e->value] = *e; /* the key stays owned by the table's entry */
    }
    return 0;
}

/* The entry expected at `value` in the order, if `line` is its key. */
static inline const Entry *
at(const Lookup *t, Py_ssize_t value, const char *line, Py_ssize_t n)
{
    if (value < 0 || value >= t->count)
        return NULL;
    const Entry *e = &t->order[value];
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

/* ---- RowParser: the changed rows' parse ----------------------------------------------------
 *
 * The rows Lookup.scan finds among no prediction (about a tenth of a run: the agents who changed)
 * are parsed into AgentRows. RowParser.parse does AgentReport._parse_unmatched's work for the
 * usual row (the configured number of fields, a LOGID, a time in state seen before) and
 * hands every other row, before touching anything, to the Python path, which does all of it
 * (errors included). The report's own caches (times, state words, splits) are shared, so both
 * paths read and fill the same ones.
 */
enum { F_LOGID, F_STATE, F_NAME, F_EXTN, F_SPLIT, F_REASON, F_TIME, FIELDS };
#define MAX_WIDTH 64

typedef struct {
    PyObject_HEAD
    Py_ssize_t width;            /* fields a row has, its F1 tag included */
    Py_ssize_t at[FIELDS];       /* where each of AgentRow's fields is; width: a blank one */
    Py_ssize_t nextra;
    Py_ssize_t extra_at[MAX_WIDTH];
    PyObject *extra_names;       /* a tuple of str, one per other column, for AgentRow.extra */
    PyObject *times, *words, *splits; /* dicts: time text -> seconds, state word -> (state,
                                       * word), split text -> skills */
    PyObject *state, *skills;    /* callables: a state word's (state, word), a split's skills,
                                  * each cached by the callable itself */
    PyObject *row;               /* AgentRow */
} RowParser;

static PyObject *str_skills;

static int
RowParser_traverse(RowParser *self, visitproc visit, void *arg)
{
    Py_VISIT(self->extra_names);
    Py_VISIT(self->times);
    Py_VISIT(self->words);
    Py_VISIT(self->splits);
    Py_VISIT(self->state);
    Py_VISIT(self->skills);
    Py_VISIT(self->row);
    return 0;
}

static int
RowParser_clear(RowParser *self)
{
    Py_CLEAR(self->extra_names);
    Py_CLEAR(self->times);
    Py_CLEAR(self->words);
    Py_CLEAR(self->splits);
    Py_CLEAR(self->state);
    Py_CLEAR(self->skills);
    Py_CLEAR(self->row);
    return 0;
}

static void
RowParser_dealloc(RowParser *self)
{
    PyObject_GC_UnTrack(self);
    RowParser_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* RowParser(width, at, extras, times, words, splits, state, skills, row)
 * at: the field index of LOGID, STATE, NAME, EXTN, SPLIT, AUXREASON, TIME_IN_STATE (width:
 * the report lacks it, blank); extras: (field index, name) of the other columns. */
static int
RowParser_init(RowParser *self, PyObject *args, PyObject *kwds)
{
    Py_ssize_t width;
    PyObject *at, *extras, *times, *words, *splits, *state, *skills, *row;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "RowParser takes no keyword arguments");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "nO!O!O!O!O!OOO:RowParser", &width, &PyTuple_Type, &at,
                          &PyTuple_Type, &extras, &PyDict_Type, &times, &PyDict_Type, &words,
                          &PyDict_Type, &splits, &state, &skills, &row))
        return -1;
    if (width < 2 || width > MAX_WIDTH) {
        PyErr_Format(PyExc_ValueError, "RowParser takes rows of 2 to %d fields", MAX_WIDTH);
        return -1;
    }
    if (PyTuple_GET_SIZE(at) != FIELDS || PyTuple_GET_SIZE(extras) >= MAX_WIDTH) {
        PyErr_SetString(PyExc_ValueError, "RowParser: at has 7 indexes, extras fewer than 64");
        return -1;
    }
    for (Py_ssize_t k = 0; k < FIELDS; k++) {
        Py_ssize_t i = PyLong_AsSsize_t(PyTuple_GET_ITEM(at, k));
        if (i == -1 && PyErr_Occurred())
            return -1;
        if (i < 0 || i > width) {
            PyErr_SetString(PyExc_ValueError, "RowParser: a field index beyond the row");
            return -1;
        }
        self->at[k] = i;
    }
    Py_ssize_t nextra = PyTuple_GET_SIZE(extras);
    PyObject *names = PyTuple_New(nextra);
    if (names == NULL)
        return -1;
    for (Py_ssize_t k = 0; k < nextra; k++) {
        PyObject *pair = PyTuple_GET_ITEM(extras, k);
        Py_ssize_t i;
        PyObject *name;
        if (!PyArg_ParseTuple(pair, "nU:RowParser extras", &i, &name)) {
            Py_DECREF(names);
            return -1;
        }
        if (i < 0 || i >= width) {
            Py_DECREF(names);
            PyErr_SetString(PyExc_ValueError, "RowParser: an extra column beyond the row");
            return -1;
        }
        self->extra_at[k] = i;
        Py_INCREF(name);
        PyTuple_SET_ITEM(names, k, name);
    }
    self->width = width;
    self->nextra = nextra;
    Py_XSETREF(self->extra_names, names);
    Py_INCREF(times);
    Py_XSETREF(self->times, times);
    Py_INCREF(words);
    Py_XSETREF(self->words, words);
    Py_INCREF(splits);
    Py_XSETREF(self->splits, splits);
    Py_INCREF(state);
    Py_XSETREF(self->state, state);
    Py_INCREF(skills);
    Py_XSETREF(self->skills, skills);
    Py_INCREF(row);
    Py_XSETREF(self->row, row);
    return 0;
}

/* A row's text as CPython holds it: any str, read a code point at a time, or as bytes when
 * it is ASCII (the usual row), where slices are made by a copy. */
typedef struct {
    PyObject *str;
    int kind;
    const void *data;
    int ascii;
} Text;

static inline Py_UCS4
ch(const Text *t, Py_ssize_t i)
{
    return PyUnicode_READ(t->kind, t->data, i);
}

/* t[a:b] as a str. */
static inline PyObject *
slice(const Text *t, Py_ssize_t a, Py_ssize_t b)
{
    if (!t->ascii)
        return PyUnicode_Substring(t->str, a, b);
    PyObject *s = PyUnicode_New(b - a, 127);
    if (s != NULL && b > a)
        memcpy(PyUnicode_DATA(s), (const char *)t->data + a, (size_t)(b - a));
    return s;
}

/* Narrows [a, b) of t to what str.strip() leaves (the same whitespace). */
static inline void
strip(const Text *t, Py_ssize_t *a, Py_ssize_t *b)
{
    while (*a < *b && Py_UNICODE_ISSPACE(ch(t, *a)))
        (*a)++;
    while (*b > *a && Py_UNICODE_ISSPACE(ch(t, *b - 1)))
        (*b)--;
}

/* t[a:b].strip() as a str. */
static inline PyObject *
stripped(const Text *t, Py_ssize_t a, Py_ssize_t b)
{
    strip(t, &a, &b);
    return slice(t, a, b);
}

/* The next `|` in t from i on, or n. */
static inline Py_ssize_t
next_bar(const Text *t, Py_ssize_t i, Py_ssize_t n)
{
    if (t->kind == PyUnicode_1BYTE_KIND) {
        const char *p = t->data, *bar = memchr(p + i, '|', (size_t)(n - i));
        return bar ? bar - p : n;
    }
    while (i < n && ch(t, i) != '|')
        i++;
    return i;
}

/* A cached value for `key` (a new reference), or the callable's answer on a miss (which caches
 * it itself). */
static PyObject *
cached(PyObject *cache, PyObject *key, PyObject *fill)
{
    PyObject *value = PyDict_GetItemWithError(cache, key);
    if (value != NULL) {
        Py_INCREF(value);
        return value;
    }
    if (PyErr_Occurred())
        return NULL;
    return PyObject_CallOneArg(fill, key);
}

/* One row: 1 when parsed, 0 when left to the Python path (nothing done yet), -1 on an error. */
static int
parse_row(RowParser *self, PyObject *line, PyObject *agents, PyObject *slot_of,
          Py_buffer *seen, PyObject *fresh)
{
    if (!PyUnicode_Check(line))
        return 0;
#if PY_VERSION_HEX < 0x030C0000 /* every str is ready from 3.12 on */
    if (PyUnicode_READY(line) < 0)
        return -1;
#endif
    const Text text = {line, PyUnicode_KIND(line), PyUnicode_DATA(line), PyUnicode_IS_ASCII(line)};
    const Text *t = &text;
    Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    Py_ssize_t width = self->width, nf = 0;
    Py_ssize_t start[MAX_WIDTH + 1], stop[MAX_WIDTH + 1];
    for (Py_ssize_t i = 0;;) {
        Py_ssize_t bar = next_bar(t, i, n);
        if (nf > width)
            return 0; /* more fields than a row has, bar a trailing `|`: Python fits it */
        start[nf] = i;
        stop[nf] = bar;
        nf++;
        if (bar == n)
            break;
        i = bar + 1;
    }
    if (nf < width || (nf > width && start[width] != stop[width]))
        return 0;
    if (nf == width)
        start[width] = stop[width] = n; /* a column the report lacks reads blank */
#define FIELD(k) start[self->at[k]], stop[self->at[k]]
    Py_ssize_t la = start[self->at[F_LOGID]], lb = stop[self->at[F_LOGID]];
    strip(t, &la, &lb);
    if (la == lb)
        return 0; /* no LOGID: an error, told by the Python path */

    int done = -1;
    PyObject *logid = NULL, *key = NULL, *skills = NULL, *secs = NULL, *word = NULL;
    PyObject *name = NULL, *extn = NULL, *reason = NULL, *extra = NULL, *info = NULL;
    PyObject *head = NULL, *entry = NULL;
    PyObject *row = NULL, *had = NULL, *more = NULL;
    if ((logid = slice(t, la, lb)) == NULL)
        goto out;
    if ((key = slice(t, FIELD(F_SPLIT))) == NULL)
        goto out;
    if ((skills = cached(self->splits, key, self->skills)) == NULL)
        goto out;
    Py_CLEAR(key);
    if (!PyTuple_Check(skills)) {
        PyErr_SetString(PyExc_TypeError, "skills must be a tuple");
        goto out;
    }
    PyObject *known = PyDict_GetItemWithError(agents, logid); /* borrowed */
    if (known == NULL && PyErr_Occurred())
        goto out;
    if (known == NULL) {
        if ((key = slice(t, FIELD(F_TIME))) == NULL)
            goto out;
        secs = PyDict_GetItemWithError(self->times, key);
        if (secs == NULL) {
            done = PyErr_Occurred() ? -1 : 0; /* a time not seen before: Python reads it */
            goto out;
        }
        Py_INCREF(secs);
        Py_CLEAR(key);
        if ((key = slice(t, FIELD(F_STATE))) == NULL)
            goto out;
        if ((word = cached(self->words, key, self->state)) == NULL)
            goto out;
        if (!PyTuple_Check(word) || PyTuple_GET_SIZE(word) != 2) {
            PyErr_SetString(PyExc_TypeError, "a state word must map to (state, word)");
            goto out;
        }
        if ((name = stripped(t, FIELD(F_NAME))) == NULL ||
            (extn = stripped(t, FIELD(F_EXTN))) == NULL ||
            (reason = stripped(t, FIELD(F_REASON))) == NULL || (extra = PyDict_New()) == NULL)
            goto out;
        for (Py_ssize_t k = 0; k < self->nextra; k++) {
            Py_ssize_t a = start[self->extra_at[k]], b = stop[self->extra_at[k]];
            strip(t, &a, &b);
            PyObject *value = a < b ? slice(t, a, b) : Py_NewRef(Py_None);
            if (value == NULL)
                goto out;
            int failed = PyDict_SetItem(extra, PyTuple_GET_ITEM(self->extra_names, k), value);
            Py_DECREF(value);
            if (failed < 0)
                goto out;
        }
        PyObject *argv[9] = {logid, PyTuple_GET_ITEM(word, 0), PyTuple_GET_ITEM(word, 1),
                             name, extn, reason, secs, skills, extra};
        if ((row = PyObject_Vectorcall(self->row, argv, 9, NULL)) == NULL)
            goto out;
        if (PyDict_SetItem(agents, logid, row) < 0)
            goto out;
    }
    else if (PyTuple_GET_SIZE(skills) > 0) { /* the same agent in another split */
        if ((had = PyObject_GetAttr(known, str_skills)) == NULL)
            goto out;
        int in = PySequence_Contains(had, PyTuple_GET_ITEM(skills, 0));
        if (in < 0)
            goto out;
        if (!in && ((more = PySequence_Concat(had, skills)) == NULL ||
                    PyObject_SetAttr(known, str_skills, more) < 0))
            goto out;
    }
    if ((info = PyTuple_Pack(2, logid, skills)) == NULL)
        goto out;
    /* The row's head (without its time in state, the last field; a trailing `|` is none). */
    Py_ssize_t m = n > 0 && ch(t, n - 1) == '|' ? n - 1 : n, cut = m;
    while (cut > 0 && ch(t, cut - 1) != '|')
        cut--;
    if ((head = slice(t, 0, cut > 0 ? cut - 1 : 0)) == NULL)
        goto out;
    PyObject *slot = PyDict_GetItemWithError(slot_of, head); /* borrowed */
    if (slot != NULL) { /* the same row, its time in state off: the last run's row seen */
        Py_ssize_t v = PyLong_AsSsize_t(slot);
        if (v == -1 && PyErr_Occurred())
            goto out;
        if (v >= 0 && v < seen->len)
            ((unsigned char *)seen->buf)[v] = 1;
    }
    else if (PyErr_Occurred())
        goto out;
    if ((entry = PyTuple_Pack(2, head, info)) == NULL || PyList_Append(fresh, entry) < 0)
        goto out;
    done = 1;
#undef FIELD
out:
    Py_XDECREF(logid);
    Py_XDECREF(key);
    Py_XDECREF(skills);
    Py_XDECREF(secs);
    Py_XDECREF(word);
    Py_XDECREF(name);
    Py_XDECREF(extn);
    Py_XDECREF(reason);
    Py_XDECREF(extra);
    Py_XDECREF(info);
    Py_XDECREF(head);
    Py_XDECREF(entry);
    Py_XDECREF(row);
    Py_XDECREF(had);
    Py_XDECREF(more);
    return done;
}

/* parse(lines, unmatched, agents, slot_of, seen, fresh, slow): the rows of `lines` at the
 * indexes `unmatched`, in order, as AgentReport._parse_unmatched does them: each AgentRow into
 * `agents` (rows of one LOGID merged), the last run's row with the same head marked in `seen`,
 * (head, (LOGID, skills)) onto `fresh`. slow(index) is called for each row left to Python. */
static PyObject *
RowParser_parse(RowParser *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError,
                        "parse(lines, unmatched, agents, slot_of, seen, fresh, slow)");
        return NULL;
    }
    PyObject *lines = args[0], *unmatched = args[1], *agents = args[2], *slot_of = args[3];
    PyObject *fresh = args[5], *slow = args[6];
    if (!PyList_Check(lines) || !PyList_Check(unmatched) || !PyDict_Check(agents) ||
        !PyDict_Check(slot_of) || !PyList_Check(fresh)) {
        PyErr_SetString(PyExc_TypeError, "parse: lists, dicts and a list, as documented");
        return NULL;
    }
    Py_buffer seen;
    if (PyObject_GetBuffer(args[4], &seen, PyBUF_WRITABLE) < 0)
        return NULL;
    PyObject *result = NULL;
    for (Py_ssize_t u = 0; u < PyList_GET_SIZE(unmatched); u++) {
        PyObject *index = PyList_GET_ITEM(unmatched, u);
        Py_ssize_t i = PyLong_AsSsize_t(index);
        if (i == -1 && PyErr_Occurred())
            goto done;
        if (i < 0 || i >= PyList_GET_SIZE(lines)) {
            PyErr_SetString(PyExc_IndexError, "parse: an index beyond the lines");
            goto done;
        }
        int parsed = parse_row(self, PyList_GET_ITEM(lines, i), agents, slot_of, &seen, fresh);
        if (parsed < 0)
            goto done;
        if (parsed == 0) {
            Py_INCREF(index);
            PyObject *out = PyObject_CallOneArg(slow, index);
            Py_DECREF(index);
            if (out == NULL)
                goto done;
            Py_DECREF(out);
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&seen);
    return result;
}

/* changes(parsed, seen, none, slot_agent, agent_slots, current, kept) -> (changed, departed)
 *
 * AgentReport._finish's loops: the agents of the rows parsed (in report order), then those of
 * the last run's rows not seen again (slot order), each once. An agent none of whose last
 * rows was seen again is its parsed row (current[agent] = row, onto changed), or, with no row,
 * has left the report (popped from current, into departed when it was there). One with rows
 * seen again goes to kept(agent, row or None, [slots seen]), which returns its row. */
static PyObject *
changes(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError,
                        "changes(parsed, seen, none, slot_agent, agent_slots, current, kept)");
        return NULL;
    }
    PyObject *parsed = args[0], *slot_agent = args[3], *agent_slots = args[4];
    PyObject *current = args[5], *kept_fn = args[6];
    if (!PyDict_Check(parsed) || !PyList_Check(slot_agent) || !PyDict_Check(agent_slots) ||
        !PyDict_Check(current)) {
        PyErr_SetString(PyExc_TypeError, "changes: dicts and a list, as documented");
        return NULL;
    }
    Py_ssize_t none = PyLong_AsSsize_t(args[2]);
    if (none == -1 && PyErr_Occurred())
        return NULL;
    Py_buffer seen;
    if (PyObject_GetBuffer(args[1], &seen, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *marks = seen.buf;
    PyObject *touched = NULL, *changed = NULL, *departed = NULL, *result = NULL;
    if (none < 0 || none > seen.len || none > PyList_GET_SIZE(slot_agent)) {
        PyErr_SetString(PyExc_ValueError, "changes: none beyond seen or slot_agent");
        goto done;
    }
    if ((touched = PyDict_New()) == NULL || (changed = PyList_New(0)) == NULL ||
        (departed = PySet_New(NULL)) == NULL)
        goto done;
    Py_ssize_t pos = 0;
    PyObject *agent, *row;
    while (PyDict_Next(parsed, &pos, &agent, &row))
        if (PyDict_SetItem(touched, agent, Py_None) < 0)
            goto done;
    for (Py_ssize_t slot = 0; slot < none; slot++) {
        const unsigned char *zero = memchr(marks + slot, 0, (size_t)(none - slot));
        if (zero == NULL)
            break;
        slot = zero - marks;
        if (PyDict_SetItem(touched, PyList_GET_ITEM(slot_agent, slot), Py_None) < 0)
            goto done;
    }
    pos = 0;
    PyObject *unused;
    while (PyDict_Next(touched, &pos, &agent, &unused)) {
        row = PyDict_GetItemWithError(parsed, agent); /* borrowed */
        if (row == NULL && PyErr_Occurred())
            goto done;
        PyObject *old = PyDict_GetItemWithError(agent_slots, agent); /* borrowed */
        if (old == NULL && PyErr_Occurred())
            goto done;
        Py_ssize_t seen_again = 0;
        if (old != NULL) {
            if (!PyList_Check(old)) {
                PyErr_SetString(PyExc_TypeError, "changes: agent_slots holds lists");
                goto done;
            }
            for (Py_ssize_t k = 0; k < PyList_GET_SIZE(old); k++) {
                Py_ssize_t v = PyLong_AsSsize_t(PyList_GET_ITEM(old, k));
                if (v == -1 && PyErr_Occurred())
                    goto done;
                if (v < 0 || v >= seen.len) {
                    PyErr_SetString(PyExc_IndexError, "changes: a slot beyond seen");
                    goto done;
                }
                seen_again += marks[v] != 0;
            }
        }
        PyObject *now; /* a new reference */
        if (seen_again) {
            PyObject *slots = PyList_New(0);
            if (slots == NULL)
                goto done;
            for (Py_ssize_t k = 0; k < PyList_GET_SIZE(old); k++) {
                PyObject *v = PyList_GET_ITEM(old, k);
                if (marks[PyLong_AsSsize_t(v)] && PyList_Append(slots, v) < 0) {
                    Py_DECREF(slots);
                    goto done;
                }
            }
            PyObject *argv[3] = {agent, row ? row : Py_None, slots};
            now = PyObject_Vectorcall(kept_fn, argv, 3, NULL);
            Py_DECREF(slots);
            if (now == NULL)
                goto done;
        }
        else if (row == NULL) { /* every row of the agent left the report */
            PyObject *was = PyDict_GetItemWithError(current, agent);
            if (was == NULL && PyErr_Occurred())
                goto done;
            if (was != NULL &&
                (PySet_Add(departed, agent) < 0 || PyDict_DelItem(current, agent) < 0))
                goto done;
            continue;
        }
        else {
            now = Py_NewRef(row);
        }
        int failed = PyDict_SetItem(current, agent, now) < 0 || PyList_Append(changed, now) < 0;
        Py_DECREF(now);
        if (failed)
            goto done;
    }
    result = PyTuple_Pack(2, changed, departed);
done:
    Py_XDECREF(touched);
    Py_XDECREF(changed);
    Py_XDECREF(departed);
    PyBuffer_Release(&seen);
    return result;
}

static PyMethodDef module_methods[] = {
    {"changes", (PyCFunction)(void (*)(void))changes, METH_FASTCALL,
     "changes(parsed, seen, none, slot_agent, agent_slots, current, kept) -> (changed, departed)"},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef RowParser_methods[] = {
    {"parse", (PyCFunction)(void (*)(void))RowParser_parse, METH_FASTCALL,
     "parse(lines, unmatched, agents, slot_of, seen, fresh, slow) -> None"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RowParserType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "integrations.avaya_cms._speedups.RowParser",
    .tp_doc = "RowParser(width, at, extras, times, words, splits, state, skills, row): the "
              "agent report's changed rows, parsed",
    .tp_basicsize = sizeof(RowParser),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)RowParser_init,
    .tp_dealloc = (destructor)RowParser_dealloc,
    .tp_traverse = (traverseproc)RowParser_traverse,
    .tp_clear = (inquiry)RowParser_clear,
    .tp_methods = RowParser_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "integrations.avaya_cms._speedups",
    .m_doc = "Optional C speed-up of the agent report's row lookup and parse (see agents.py).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&LookupType) < 0 || PyType_Ready(&RowParserType) < 0)
        return NULL;
    if (str_skills == NULL && (str_skills = PyUnicode_InternFromString("skills")) == NULL)
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
    Py_INCREF(&RowParserType);
    if (PyModule_AddObject(m, "RowParser", (PyObject *)&RowParserType) < 0) {
        Py_DECREF(&RowParserType);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "MAX_WIDTH", MAX_WIDTH) < 0) { /* the widest row it takes */
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
