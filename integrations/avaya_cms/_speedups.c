/* Optional speed-up of the Avaya CMS agent report's changed-rows path (see agents.py).
 *
 * Between two report runs most rows differ from the last run only in their time in state. The
 * report keys each row by its head (the row without its time in state, the last field) and
 * numbers the heads by slots. Heads.match() looks each row of a run up by its head's bytes,
 * reads its time, and marks the slot seen when the time moved on by the gap between runs: the
 * same stint of the same agent, nothing to parse. RowParser.parse parses the rows that are not
 * (the agents who changed), and changes() finds the agents who changed or left; everything
 * else stays in Python.
 *
 * Semantics are those of the pure-Python path (agents.PyHeads, _time_code, _parse_python),
 * which stays and is tested against this one on the same inputs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* A row's time in state as the matching reads it: seconds (>= 0), or one of these. */
enum { BLANK = -1, STARS = -2, NO_TIME = -3 };

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

static inline int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* 1-9 ASCII digits as a number, else -1. */
static int64_t
digits(const char *p, Py_ssize_t n)
{
    if (n < 1 || n > 9)
        return -1;
    int64_t v = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* agents._time_code on the text's UTF-8 bytes (any byte over 127 is not a time it reads). */
static int64_t
time_code(const char *p, Py_ssize_t n)
{
    while (n > 0 && is_space(*p))
        p++, n--;
    while (n > 0 && is_space(p[n - 1]))
        n--;
    if (n == 0)
        return BLANK;
    if (p[0] == '*') {
        for (Py_ssize_t i = 0; i < n; i++)
            if (p[i] != '*')
                return NO_TIME;
        return STARS;
    }
    Py_ssize_t c = n;
    while (c > 0 && p[c - 1] != ':')
        c--;
    if (c == 0) {
        int64_t v = digits(p, n);
        return v < 0 ? NO_TIME : v;
    }
    /* rest: p[0 .. c-1), secs: p[c .. n) */
    if (n - c != 2)
        return NO_TIME;
    int64_t total = digits(p + c, 2);
    if (total < 0)
        return NO_TIME;
    Py_ssize_t rest = c - 1;
    if (rest > 0) {
        Py_ssize_t d = rest;
        while (d > 0 && p[d - 1] != ':')
            d--;
        int64_t minutes = digits(p + d, rest - d);
        if (minutes < 0)
            return NO_TIME;
        total += minutes * 60;
        if (d > 1) { /* hours: p[0 .. d-1) */
            int64_t hours = digits(p, d - 1);
            if (hours < 0)
                return NO_TIME;
            total += hours * 3600;
        }
    }
    return total;
}

/* agents._same_stint */
static inline int
same_stint(int64_t old, int64_t now, Py_ssize_t step)
{
    if (old >= 0 && now >= 0)
        return now - old == step;
    return old == now && old != NO_TIME;
}

/* A line's head and time text (agents._split_time) on its UTF-8 bytes; 0 if it has no `|`. */
static inline int
split_time(const char *p, Py_ssize_t n, Py_ssize_t *head, const char **text, Py_ssize_t *tn)
{
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n > 0 && p[n - 1] == '|')
        n--;
    Py_ssize_t k = n;
    while (k > 0 && p[k - 1] != '|')
        k--;
    if (k == 0)
        return 0;
    *head = k - 1;
    *text = p + k;
    *tn = n - k;
    return 1;
}

/* A str's UTF-8 bytes (for an ASCII str, its own; else those CPython caches on it). */
static inline const char *
utf8(PyObject *s, Py_ssize_t *n)
{
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "lines must be str");
        return NULL;
    }
    const char *p = PyUnicode_AsUTF8AndSize(s, n);
    if (p == NULL && PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        PyErr_Clear(); /* lone surrogates: never a row of a slot (the caller sees "") */
        *n = 0;
        return "";
    }
    return p;
}

typedef struct {
    char *head; /* NULL: a free slot */
    Py_ssize_t size;
    uint64_t hash;
    int64_t time;
} Slot;

typedef struct {
    PyObject_HEAD
    int32_t *table; /* open addressing, linear probing: a slot number, or -1 */
    size_t mask;    /* capacity - 1; capacity a power of two, at least twice the heads */
    Py_ssize_t count;
    Slot *slots;
    Py_ssize_t nslots; /* slots[0 .. nslots) allocated */
} Heads;

static void
Heads_free(Heads *self)
{
    for (Py_ssize_t i = 0; i < self->nslots; i++)
        PyMem_Free(self->slots[i].head);
    PyMem_Free(self->slots);
    PyMem_Free(self->table);
    self->slots = NULL;
    self->table = NULL;
    self->nslots = 0;
    self->count = 0;
    self->mask = 0;
}

static void
Heads_dealloc(Heads *self)
{
    Heads_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
Heads_init(Heads *self, PyObject *args, PyObject *kwds)
{
    if (!PyArg_ParseTuple(args, ":Heads") || (kwds != NULL && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "Heads() takes no arguments");
        return -1;
    }
    Heads_free(self);
    return 0;
}

static Py_ssize_t
Heads_len(Heads *self)
{
    return self->count;
}

/* The table position holding the head p[0..n), or the empty one where it would go. */
static size_t
probe(const Heads *t, const char *p, Py_ssize_t n, uint64_t h)
{
    size_t i = (size_t)h & t->mask;
    for (;;) {
        int32_t s = t->table[i];
        if (s < 0)
            return i;
        const Slot *e = &t->slots[s];
        if (e->hash == h && e->size == n && memcmp(e->head, p, (size_t)n) == 0)
            return i;
        i = (i + 1) & t->mask;
    }
}

static int
grow_table(Heads *t)
{
    size_t capacity = t->table ? (t->mask + 1) * 2 : 64;
    int32_t *table = PyMem_Malloc(capacity * sizeof(int32_t));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(table, 0xff, capacity * sizeof(int32_t)); /* every entry -1 */
    size_t mask = capacity - 1;
    for (Py_ssize_t s = 0; s < t->nslots; s++) {
        if (t->slots[s].head == NULL)
            continue;
        size_t i = (size_t)t->slots[s].hash & mask;
        while (table[i] >= 0)
            i = (i + 1) & mask;
        table[i] = (int32_t)s;
    }
    PyMem_Free(t->table);
    t->table = table;
    t->mask = mask;
    return 0;
}

/* One line's UTF-8 bytes: -2 when found (its slot marked in `marks`), else its head's slot, or
 * -1 for a head of no slot. A found slot's time becomes the line's, found or not. */
static inline Py_ssize_t
match_line(Heads *self, const char *p, Py_ssize_t n, unsigned char *marks, Py_ssize_t nmarks,
           Py_ssize_t step)
{
    Py_ssize_t hn, tn;
    const char *text;
    if (!self->count || !split_time(p, n, &hn, &text, &tn))
        return -1;
    int32_t s = self->table[probe(self, p, hn, hash_bytes(p, hn))];
    if (s < 0)
        return -1;
    Slot *e = &self->slots[s];
    int64_t now = time_code(text, tn), old = e->time;
    e->time = now;
    if (!same_stint(old, now, step))
        return s;
    if (s < nmarks)
        marks[s] = 1;
    return -2;
}

/* Appends i and slot to the lists (the rows not found). */
static int
note_unmatched(PyObject *unmatched, PyObject *slots, Py_ssize_t i, Py_ssize_t slot)
{
    PyObject *index = PyLong_FromSsize_t(i), *number = PyLong_FromSsize_t(slot);
    int failed = index == NULL || number == NULL || PyList_Append(unmatched, index) < 0 ||
                 PyList_Append(slots, number) < 0;
    Py_XDECREF(index);
    Py_XDECREF(number);
    return failed ? -1 : 0;
}

/* match(lines, start, seen, step) -> (unmatched, slots): see agents.PyHeads.match. */
static PyObject *
Heads_match(Heads *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "match(lines, start, seen, step)");
        return NULL;
    }
    PyObject *lines = args[0];
    Py_ssize_t start = PyLong_AsSsize_t(args[1]);
    if (start == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t step = PyLong_AsSsize_t(args[3]);
    if (step == -1 && PyErr_Occurred())
        return NULL;
    Py_buffer seen;
    if (PyObject_GetBuffer(args[2], &seen, PyBUF_WRITABLE) < 0)
        return NULL;
    PyObject *unmatched = PyList_New(0), *slots = PyList_New(0), *result = NULL;
    if (unmatched == NULL || slots == NULL)
        goto done;
    for (Py_ssize_t i = start < 0 ? 0 : start; i < PyList_GET_SIZE(lines); i++) {
        Py_ssize_t n;
        const char *p = utf8(PyList_GET_ITEM(lines, i), &n);
        if (p == NULL)
            goto done;
        Py_ssize_t slot = match_line(self, p, n, seen.buf, seen.len, step);
        if (slot != -2 && note_unmatched(unmatched, slots, i, slot) < 0)
            goto done;
    }
    result = PyTuple_Pack(2, unmatched, slots);
done:
    Py_XDECREF(unmatched);
    Py_XDECREF(slots);
    PyBuffer_Release(&seen);
    return result;
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

static inline int
ascii(const char *p, Py_ssize_t n)
{
    uint64_t any = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        any |= w;
    }
    for (; i < n; i++)
        any |= (unsigned char)p[i];
    return (any & 0x8080808080808080ULL) == 0;
}

static PyObject *empty; /* what a found row is on `lines` */

/* scan(lines, buf, end, seen, step, max_line) -> (unmatched, slots, stop)
 *
 * match() straight from the bytes read: the lines of buf[:end] (end: the index of a b"\n"),
 * up to the first one that is not an F1 row or is longer than max_line, go onto `lines`; a
 * line found goes on as "" (no str is made of it), any other as its text (UTF-8, or Latin-1
 * where it is not UTF-8; a CR stays at its end, as bytes.split(b"\n") leaves it), its index
 * and slot onto unmatched and slots. stop: where the lines not scanned start (end + 1 if every
 * line was). A line that is not ASCII is matched by its text's UTF-8, as match() would. */
static PyObject *
Heads_scan(Heads *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyList_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "scan(lines, buf, end, seen, step, max_line)");
        return NULL;
    }
    PyObject *lines = args[0];
    Py_ssize_t end = PyLong_AsSsize_t(args[2]), step = PyLong_AsSsize_t(args[4]);
    Py_ssize_t max_line = PyLong_AsSsize_t(args[5]);
    if ((end == -1 || step == -1 || max_line == -1) && PyErr_Occurred())
        return NULL;
    Py_buffer buf, seen;
    if (PyObject_GetBuffer(args[1], &buf, PyBUF_SIMPLE) < 0)
        return NULL;
    if (PyObject_GetBuffer(args[3], &seen, PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&buf);
        return NULL;
    }
    PyObject *unmatched = NULL, *slots = NULL, *result = NULL;
    if (end < 0 || end >= buf.len || ((const char *)buf.buf)[end] != '\n') {
        PyErr_SetString(PyExc_ValueError, "end must index a line feed in buf");
        goto done;
    }
    if ((unmatched = PyList_New(0)) == NULL || (slots = PyList_New(0)) == NULL)
        goto done;
    const char *data = buf.buf;
    Py_ssize_t pos = 0;
    while (pos <= end) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', (size_t)(end + 1 - pos));
        Py_ssize_t n = nl - line;
        if (n < 3 || n > max_line || line[0] != 'F' || line[1] != '1' || line[2] != '|')
            break;
        PyObject *text = NULL;
        Py_ssize_t slot;
        if (ascii(line, n)) {
            slot = match_line(self, line, n, seen.buf, seen.len, step);
        }
        else {
            Py_ssize_t un;
            const char *u;
            if ((text = decode_line(line, n)) == NULL || (u = utf8(text, &un)) == NULL) {
                Py_XDECREF(text);
                goto done;
            }
            slot = match_line(self, u, un, seen.buf, seen.len, step);
        }
        if (slot == -2) {
            Py_XDECREF(text);
            text = Py_NewRef(empty);
        }
        else {
            if (text == NULL && (text = decode_line(line, n)) == NULL)
                goto done;
            if (note_unmatched(unmatched, slots, PyList_GET_SIZE(lines), slot) < 0) {
                Py_DECREF(text);
                goto done;
            }
        }
        int failed = PyList_Append(lines, text);
        Py_DECREF(text);
        if (failed < 0)
            goto done;
        pos += n + 1;
    }
    result = Py_BuildValue("(OOn)", unmatched, slots, pos);
done:
    Py_XDECREF(unmatched);
    Py_XDECREF(slots);
    PyBuffer_Release(&buf);
    PyBuffer_Release(&seen);
    return result;
}

/* add(line, slot) -> bool: see agents.PyHeads.add. */
static PyObject *
Heads_add(Heads *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "add(line, slot)");
        return NULL;
    }
    Py_ssize_t n, hn, tn;
    const char *p = utf8(args[0], &n), *text;
    if (p == NULL)
        return NULL;
    Py_ssize_t slot = PyLong_AsSsize_t(args[1]);
    if (slot == -1 && PyErr_Occurred())
        return NULL;
    if (slot < 0 || slot >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "add: a slot is a number from 0");
        return NULL;
    }
    if (!split_time(p, n, &hn, &text, &tn))
        Py_RETURN_FALSE;
    if (self->table == NULL || (size_t)(self->count + 1) * 2 > self->mask + 1) {
        if (grow_table(self) < 0)
            return NULL;
    }
    uint64_t h = hash_bytes(p, hn);
    size_t at = probe(self, p, hn, h);
    if (self->table[at] >= 0)
        Py_RETURN_FALSE;
    if (slot < self->nslots && self->slots[slot].head != NULL) {
        PyErr_Format(PyExc_ValueError, "slot %zd is taken", slot);
        return NULL;
    }
    if (slot >= self->nslots) {
        Py_ssize_t want = self->nslots ? self->nslots : 64;
        while (want <= slot)
            want *= 2;
        Slot *grown = PyMem_Realloc(self->slots, (size_t)want * sizeof(Slot));
        if (grown == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        memset(grown + self->nslots, 0, (size_t)(want - self->nslots) * sizeof(Slot));
        self->slots = grown;
        self->nslots = want;
    }
    char *copy = PyMem_Malloc(hn ? (size_t)hn : 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(copy, p, (size_t)hn);
    self->slots[slot] = (Slot){copy, hn, h, time_code(text, tn)};
    self->table[at] = (int32_t)slot;
    self->count++;
    Py_RETURN_TRUE;
}

/* The slot `arg` names (its number into *slot), or NULL with KeyError if it is free. */
static Slot *
taken(Heads *self, PyObject *arg, Py_ssize_t *slot)
{
    Py_ssize_t n = *slot = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0 || n >= self->nslots || self->slots[n].head == NULL) {
        PyErr_Format(PyExc_KeyError, "slot %zd is free", n);
        return NULL;
    }
    return &self->slots[n];
}

/* remove(slot): the slot's head leaves the table (backward-shift deletion keeps linear
 * probing's chains whole, so no tombstones pile up). */
static PyObject *
Heads_remove(Heads *self, PyObject *arg)
{
    Py_ssize_t slot;
    Slot *e = taken(self, arg, &slot);
    if (e == NULL)
        return NULL;
    size_t i = (size_t)e->hash & self->mask;
    while (self->table[i] != (int32_t)slot)
        i = (i + 1) & self->mask;
    for (size_t j = (i + 1) & self->mask;; j = (j + 1) & self->mask) {
        int32_t s = self->table[j];
        if (s < 0)
            break;
        size_t home = (size_t)self->slots[s].hash & self->mask;
        /* s may move into the hole at i unless its home lies cyclically in (i, j] */
        if (((j - home) & self->mask) >= ((j - i) & self->mask)) {
            self->table[i] = s;
            i = j;
        }
    }
    self->table[i] = -1;
    PyMem_Free(e->head);
    *e = (Slot){NULL, 0, 0, 0};
    self->count--;
    Py_RETURN_NONE;
}

/* time(slot) -> int: the time code the slot's row read last. */
static PyObject *
Heads_time(Heads *self, PyObject *arg)
{
    Py_ssize_t slot;
    const Slot *e = taken(self, arg, &slot);
    return e == NULL ? NULL : PyLong_FromLongLong(e->time);
}

static PyObject *
Heads_clear(Heads *self, PyObject *unused)
{
    (void)unused;
    Heads_free(self);
    Py_RETURN_NONE;
}

static PyObject *
py_time_code(PyObject *module, PyObject *arg)
{
    (void)module;
    Py_ssize_t n;
    const char *p = utf8(arg, &n);
    if (p == NULL)
        return NULL;
    return PyLong_FromLongLong(time_code(p, n));
}

static PyMethodDef Heads_methods[] = {
    {"match", (PyCFunction)(void (*)(void))Heads_match, METH_FASTCALL,
     "match(lines, start, seen, step) -> (unmatched, slots)"},
    {"scan", (PyCFunction)(void (*)(void))Heads_scan, METH_FASTCALL,
     "scan(lines, buf, end, seen, step, max_line) -> (unmatched, slots, stop)"},
    {"add", (PyCFunction)(void (*)(void))Heads_add, METH_FASTCALL, "add(line, slot) -> bool"},
    {"remove", (PyCFunction)Heads_remove, METH_O, "remove(slot) -> None"},
    {"time", (PyCFunction)Heads_time, METH_O, "time(slot) -> int"},
    {"clear", (PyCFunction)Heads_clear, METH_NOARGS, "clear() -> None"},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Heads_as_sequence = {
    .sq_length = (lenfunc)Heads_len,
};

static PyTypeObject HeadsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "integrations.avaya_cms._speedups.Heads",
    .tp_doc = "Heads(): the report's row heads by slot, with each one's last time in state",
    .tp_basicsize = sizeof(Heads),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Heads_init,
    .tp_dealloc = (destructor)Heads_dealloc,
    .tp_methods = Heads_methods,
    .tp_as_sequence = &Heads_as_sequence,
};

/* ---- RowParser: the changed rows' parse ----------------------------------------------------
 *
 * The rows Heads.match does not find (about a tenth of a run: the agents who changed)
 * are parsed into AgentRows. RowParser.parse does AgentReport._parse_python's work for the
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
    PyObject *ones;              /* dict, with one extra column: its value (None: blank) -> the
                                  * extra dict its rows share */
    PyObject *state, *skills, *one; /* callables: a state word's (state, word), a split's
                                     * skills, a value's shared extra dict, each cached by the
                                     * callable itself */
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
    Py_VISIT(self->ones);
    Py_VISIT(self->state);
    Py_VISIT(self->skills);
    Py_VISIT(self->one);
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
    Py_CLEAR(self->ones);
    Py_CLEAR(self->state);
    Py_CLEAR(self->skills);
    Py_CLEAR(self->one);
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

/* RowParser(width, at, extras, times, words, splits, ones, state, skills, one, row)
 * at: the field index of LOGID, STATE, NAME, EXTN, SPLIT, AUXREASON, TIME_IN_STATE (width:
 * the report lacks it, blank); extras: (field index, name) of the other columns. */
static int
RowParser_init(RowParser *self, PyObject *args, PyObject *kwds)
{
    Py_ssize_t width;
    PyObject *at, *extras, *times, *words, *splits, *ones, *state, *skills, *one, *row;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "RowParser takes no keyword arguments");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "nO!O!O!O!O!O!OOOO:RowParser", &width, &PyTuple_Type, &at,
                          &PyTuple_Type, &extras, &PyDict_Type, &times, &PyDict_Type, &words,
                          &PyDict_Type, &splits, &PyDict_Type, &ones, &state, &skills, &one,
                          &row))
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
    Py_INCREF(ones);
    Py_XSETREF(self->ones, ones);
    Py_INCREF(one);
    Py_XSETREF(self->one, one);
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
parse_row(RowParser *self, PyObject *line, Py_ssize_t slot, PyObject *agents,
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
    PyObject *entry = NULL;
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
            (reason = stripped(t, FIELD(F_REASON))) == NULL)
            goto out;
        if (self->nextra == 1) { /* the rows with this value share one dict */
            Py_ssize_t a = start[self->extra_at[0]], b = stop[self->extra_at[0]];
            strip(t, &a, &b);
            PyObject *value = a < b ? slice(t, a, b) : Py_NewRef(Py_None);
            if (value == NULL)
                goto out;
            extra = cached(self->ones, value, self->one);
            Py_DECREF(value);
            if (extra == NULL)
                goto out;
            if (!PyDict_Check(extra)) {
                PyErr_SetString(PyExc_TypeError, "an extra must be a dict");
                goto out;
            }
        }
        else if ((extra = PyDict_New()) == NULL)
            goto out;
        for (Py_ssize_t k = 0; self->nextra > 1 && k < self->nextra; k++) {
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
    if (slot >= 0) { /* the same row, its time in state off: the last run's row seen */
        if (slot < seen->len)
            ((unsigned char *)seen->buf)[slot] = 1;
    }
    else if ((entry = PyTuple_Pack(2, line, info)) == NULL || PyList_Append(fresh, entry) < 0)
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
    Py_XDECREF(entry);
    Py_XDECREF(row);
    Py_XDECREF(had);
    Py_XDECREF(more);
    return done;
}

/* parse(lines, unmatched, slots, agents, seen, fresh, slow): the rows of `lines` at the
 * indexes `unmatched`, in order, as AgentReport._parse_python does them: each AgentRow into
 * `agents` (rows of one LOGID merged); then, of a good row, its slot (`slots`, in step with
 * `unmatched`) marked in `seen`, or with no slot (-1), (line, (LOGID, skills)) onto `fresh`.
 * slow(k) is called for each row left to Python, k its place in `unmatched`. */
static PyObject *
RowParser_parse(RowParser *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError,
                        "parse(lines, unmatched, slots, agents, seen, fresh, slow)");
        return NULL;
    }
    PyObject *lines = args[0], *unmatched = args[1], *slots = args[2], *agents = args[3];
    PyObject *fresh = args[5], *slow = args[6];
    if (!PyList_Check(lines) || !PyList_Check(unmatched) || !PyList_Check(slots) ||
        !PyDict_Check(agents) || !PyList_Check(fresh) ||
        PyList_GET_SIZE(slots) != PyList_GET_SIZE(unmatched)) {
        PyErr_SetString(PyExc_TypeError, "parse: lists, a dict and a list, as documented");
        return NULL;
    }
    Py_buffer seen;
    if (PyObject_GetBuffer(args[4], &seen, PyBUF_WRITABLE) < 0)
        return NULL;
    PyObject *result = NULL;
    for (Py_ssize_t u = 0; u < PyList_GET_SIZE(unmatched); u++) {
        Py_ssize_t i = PyLong_AsSsize_t(PyList_GET_ITEM(unmatched, u));
        if (i == -1 && PyErr_Occurred())
            goto done;
        Py_ssize_t slot = PyLong_AsSsize_t(PyList_GET_ITEM(slots, u));
        if (slot == -1 && PyErr_Occurred())
            goto done;
        if (i < 0 || i >= PyList_GET_SIZE(lines)) {
            PyErr_SetString(PyExc_IndexError, "parse: an index beyond the lines");
            goto done;
        }
        int parsed = parse_row(self, PyList_GET_ITEM(lines, i), slot, agents, &seen, fresh);
        if (parsed < 0)
            goto done;
        if (parsed == 0) {
            PyObject *k = PyLong_FromSsize_t(u);
            if (k == NULL)
                goto done;
            PyObject *out = PyObject_CallOneArg(slow, k);
            Py_DECREF(k);
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
    {"time_code", (PyCFunction)py_time_code, METH_O, "time_code(text) -> int (agents._time_code)"},
    {"changes", (PyCFunction)(void (*)(void))changes, METH_FASTCALL,
     "changes(parsed, seen, none, slot_agent, agent_slots, current, kept) -> (changed, departed)"},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef RowParser_methods[] = {
    {"parse", (PyCFunction)(void (*)(void))RowParser_parse, METH_FASTCALL,
     "parse(lines, unmatched, slots, agents, seen, fresh, slow) -> None"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RowParserType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "integrations.avaya_cms._speedups.RowParser",
    .tp_doc = "RowParser(width, at, extras, times, words, splits, ones, state, skills, one, "
              "row): the agent report's changed rows, parsed",
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
    .m_doc = "Optional C speed-up of the agent report's row matching and parse (see agents.py).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&HeadsType) < 0 || PyType_Ready(&RowParserType) < 0)
        return NULL;
    if (str_skills == NULL && (str_skills = PyUnicode_InternFromString("skills")) == NULL)
        return NULL;
    if (empty == NULL && (empty = PyUnicode_FromStringAndSize(NULL, 0)) == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&HeadsType);
    if (PyModule_AddObject(m, "Heads", (PyObject *)&HeadsType) < 0) {
        Py_DECREF(&HeadsType);
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
