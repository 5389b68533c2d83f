/* luawording.c - see include/infraexec/lua/luawording.h */
#include "infraexec/lua/luawording.h"

#include "infraexec/model/wording.h"
#include "infraexec/model/wordshape.h"

#include <lauxlib.h>
#include <string.h>

#define WORDING_MT "infraexec.template.read"

/* A template read: the userdata template.read returns as the reader.  Its
 * variants are expanded when first asked for (wording_of) when reading it
 * needed no expansion (ix_wording_shape): the template is then its user
 * value until then. */
typedef struct reader {
    ix_wording w;
    int expanded; /* W holds the variants */
} reader;

/* The reader owns its wording, so that an error raised meanwhile (a
 * replaced M.words, a types table's __index) frees it at collection. */
static int gc_reader(lua_State *L)
{
    ix_wording_free(&((reader *)luaL_checkudata(L, 1, WORDING_MT))->w);
    return 0;
}

/* A new reader (for l_read: its metatable is its upvalue). */
static reader *new_reader(lua_State *L)
{
    reader *r = lua_newuserdatauv(L, sizeof *r, 1);
    memset(r, 0, sizeof *r);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setmetatable(L, -2);
    return r;
}

/* The variants of the reader at ARG, expanded now if they were not. */
static ix_wording *wording_of(lua_State *L, int arg)
{
    reader *r = luaL_checkudata(L, arg, WORDING_MT);
    if (!r->expanded) {
        size_t len;
        lua_getiuservalue(L, arg, 1);
        const char *s = lua_tolstring(L, -1, &len);
        ix_err err;
        if (!s || ix_wording_read(s, len, &r->w, &err) < 0) { /* read once already: never */
            luaL_error(L, "template: the reader's template cannot be read");
            return NULL;
        }
        r->expanded = 1;
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_setiuservalue(L, arg, 1);
    }
    return &r->w;
}

/* Where a piece's items are on the stack, once made. */
typedef struct slots {
    int at, n, made;
} slots;

/* Pushes the item of the placeholder or literal piece PC as the built-in
 * M.words splits it: {name, kind}, {lit}; nothing and 0 for no word. */
static int push_item(lua_State *L, const ix_wording *w, const ix_wpiece *pc)
{
    if (pc->type == IX_WPIECE_HOLE) {
        lua_createtable(L, 0, 2);
        lua_pushlstring(L, w->text + pc->name_at, pc->name_len);
        lua_setfield(L, -2, "name");
        lua_pushlstring(L, w->text + pc->kind_at, pc->kind_len);
        lua_setfield(L, -2, "kind");
        return 1;
    }
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, pc->len);
    size_t n = ix_wording_word(w->text + pc->at, pc->len, out);
    luaL_pushresultsize(&b, n);
    if (n == 0) {
        lua_pop(L, 1);
        return 0;
    }
    lua_createtable(L, 0, 1);
    lua_insert(L, -2);
    lua_setfield(L, -2, "lit");
    return 1;
}

/* Pushes the items of piece P (not a stray brace), kept in CACHE by the
 * piece's bytes: a placeholder's or a literal's item as push_item makes it
 * (false for none), or with WORDS (a stack index, 0 for none: a replaced
 * M.words) a literal's list of items, {lit = token.low} for each token that
 * function returns but the note boundaries. */
static void make_items(lua_State *L, const ix_wording *w, size_t p, slots *sl, int words, int cache)
{
    const ix_wpiece *pc = &w->pieces[p];
    const char *raw = w->text + pc->at;
    sl[p].made = 1, sl[p].at = lua_gettop(L) + 1, sl[p].n = 0;
    luaL_checkstack(L, 5, "wording items");
    lua_pushlstring(L, raw, pc->len);
    int kept = lua_rawget(L, cache);
    if (pc->type == IX_WPIECE_LIT && words) {
        if (kept == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushlstring(L, raw, pc->len); /* cache key */
            lua_newtable(L);                  /* the list */
            lua_pushvalue(L, words);
            lua_pushvalue(L, -3);
            lua_call(L, 1, 1); /* M.words(raw) */
            lua_Integer n = 0;
            for (lua_Integer i = 1; lua_geti(L, -1, i) != LUA_TNIL; i++) {
                if (lua_getfield(L, -1, "boundary"), lua_toboolean(L, -1)) {
                    lua_pop(L, 2);
                    continue;
                }
                lua_pop(L, 1);
                lua_createtable(L, 0, 1);
                lua_getfield(L, -2, "low");
                lua_setfield(L, -2, "lit");
                lua_rawseti(L, -4, ++n);
                lua_pop(L, 1);
            }
            lua_pop(L, 2);        /* the nil and the tokens */
            lua_pushvalue(L, -2); /* key, list, key */
            lua_pushvalue(L, -2); /* key, list, key, list */
            lua_rawset(L, cache);
            lua_remove(L, -2);
        }
        int list = lua_gettop(L);
        lua_Integer n = (lua_Integer)lua_rawlen(L, list);
        luaL_checkstack(L, (int)n + 1, "wording items");
        for (lua_Integer i = 1; i <= n; i++)
            lua_rawgeti(L, list, i);
        lua_remove(L, list); /* the items now start where the list was */
        sl[p].n = (int)n;
        return;
    }
    if (kept == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushlstring(L, raw, pc->len);
        if (!push_item(L, w, pc))
            lua_pushboolean(L, 0);
        lua_pushvalue(L, -1);
        lua_insert(L, -3); /* item, key, item */
        lua_rawset(L, cache);
    }
    if (lua_toboolean(L, -1))
        sl[p].n = 1;
    else
        lua_pop(L, 1);
}

/* What is wrong with a variant. */
enum { BRACE = -1, TYPE = -2 };

/* The items of variant V, made as needed, in order; with TYPES (a stack
 * index, 0 for none) each placeholder's type is added to the list KINDS
 * (once, *NKINDS long) and looked up there first.  BRACE or TYPE (*BAD: the
 * piece) at the first piece wrong, else how many items. */
static int variant_items(lua_State *L, const ix_wording *w, size_t v, slots *sl, int words, int cache,
                         int types, int kinds, lua_Integer *nkinds, size_t *bad)
{
    int n = 0;
    for (size_t r = w->starts[v]; r < w->starts[v + 1]; r++) {
        size_t p = w->refs[r];
        const ix_wpiece *pc = &w->pieces[p];
        *bad = p;
        if (pc->type == IX_WPIECE_BAD)
            return BRACE;
        if (pc->type == IX_WPIECE_HOLE && types && !sl[p].made) { /* the same piece, the same answer */
            luaL_checkstack(L, 3, "wording kinds");
            lua_pushlstring(L, w->text + pc->kind_at, pc->kind_len);
            int seen = 0;
            for (lua_Integer k = 1; k <= *nkinds && !seen; k++) {
                lua_rawgeti(L, kinds, k);
                seen = lua_rawequal(L, -1, -2);
                lua_pop(L, 1);
            }
            if (!seen) {
                lua_pushvalue(L, -1);
                lua_rawseti(L, kinds, ++*nkinds);
            }
            lua_gettable(L, types); /* M.types[kind], as Lua indexes it */
            int known = lua_toboolean(L, -1);
            lua_pop(L, 1);
            if (!known)
                return TYPE;
        }
        if (!sl[p].made)
            make_items(L, w, p, sl, words, cache);
        n += sl[p].n;
    }
    return n;
}

/* Pushes the list of every variant's item sequence. */
static void push_seqs(lua_State *L, const ix_wording *w, slots *sl, int words, int cache)
{
    size_t bad;
    for (size_t v = 0; v < w->nvariants; v++) /* the items first: below the lists */
        variant_items(L, w, v, sl, words, cache, 0, 0, NULL, &bad);
    luaL_checkstack(L, 3, "wording sequences"); /* the items may have taken all but 2 */
    lua_createtable(L, (int)w->nvariants, 0);
    for (size_t v = 0; v < w->nvariants; v++) {
        int n = 0;
        for (size_t r = w->starts[v]; r < w->starts[v + 1]; r++)
            n += sl[w->refs[r]].n;
        lua_createtable(L, n, 0);
        lua_Integer k = 0;
        for (size_t r = w->starts[v]; r < w->starts[v + 1]; r++) {
            const slots *s = &sl[w->refs[r]];
            for (int j = 0; j < s->n; j++) {
                lua_pushvalue(L, s->at + j);
                lua_rawseti(L, -2, ++k);
            }
        }
        lua_rawseti(L, -2, (lua_Integer)v + 1);
    }
}

static slots *new_slots(lua_State *L, const ix_wording *w)
{
    slots *sl = lua_newuserdatauv(L, (w->npieces ? w->npieces : 1) * sizeof *sl, 0);
    memset(sl, 0, (w->npieces ? w->npieces : 1) * sizeof *sl);
    return sl;
}

/* Whether the placeholder pieces P and Q of TEXT name the same type. */
static int same_kind(const char *text, const ix_wpiece *p, const ix_wpiece *q)
{
    return p->kind_len == q->kind_len && memcmp(text + p->kind_at, text + q->kind_at, p->kind_len) == 0;
}

/* Whether the literal piece PC has a word, pushing it when it has. */
static int push_word(lua_State *L, const ix_wording *w, const ix_wpiece *pc)
{
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, pc->len);
    size_t n = ix_wording_word(w->text + pc->at, pc->len, out);
    luaL_pushresultsize(&b, n);
    if (n == 0)
        lua_pop(L, 1);
    return n > 0;
}

/* What l_read returns for the stray brace PC of TEXT. */
static int push_brace(lua_State *L, const char *text, const ix_wpiece *pc)
{
    lua_pushnil(L);
    lua_pushliteral(L, "brace");
    lua_pushlstring(L, text + pc->at, pc->len);
    return 3;
}

/* Asks TYPES (l_read's argument 2) for the type of the placeholder
 * PIECES[P] of TEXT, first adding it to the list KINDS (*NKINDS long)
 * unless a piece before it named it: 0, or what l_read returns for a type
 * TYPES lacks. */
static int ask_type(lua_State *L, const char *text, const ix_wpiece *pieces, size_t p, int kinds, lua_Integer *nkinds)
{
    const ix_wpiece *pc = &pieces[p];
    luaL_checkstack(L, 3, "wording kinds");
    lua_pushlstring(L, text + pc->kind_at, pc->kind_len);
    size_t q = 0;
    while (q < p && !(pieces[q].type == IX_WPIECE_HOLE && same_kind(text, &pieces[q], pc)))
        q++;
    if (q == p) {
        lua_pushvalue(L, -1);
        lua_rawseti(L, kinds, ++*nkinds);
    }
    lua_gettable(L, 2); /* M.types[kind], as Lua indexes it */
    int known = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (known)
        return 0;
    lua_pushnil(L);
    lua_pushliteral(L, "type");
    lua_pushlstring(L, text + pc->kind_at, pc->kind_len);
    return 3;
}

/* What l_read returns for a variant of no items. */
static int push_empty(lua_State *L)
{
    lua_pushnil(L);
    lua_pushliteral(L, "empty");
    return 2;
}

/* l_read for the built-in M.words, into the record's FIRST and KINDS: the
 * same checks in the same order as variant_items, made from the pieces, no
 * item built (template.sequences builds them when asked).  A piece is
 * first seen when its index is the count of pieces seen (ix_wording_read
 * numbers them so), and only then is its type looked up, as variant_items
 * does once per piece.  Returns what l_read returns, 0 when the template
 * is sound. */
static int read_plain(lua_State *L, const ix_wording *w, int first, int kinds, int *open)
{
    size_t seen = 0, first_piece = (size_t)-1;
    lua_Integer nkinds = 0;
    for (size_t v = 0; v < w->nvariants; v++) {
        int items = 0;
        for (size_t r = w->starts[v]; r < w->starts[v + 1]; r++) {
            size_t p = w->refs[r];
            const ix_wpiece *pc = &w->pieces[p];
            if (pc->type == IX_WPIECE_BAD)
                return push_brace(L, w->text, pc);
            if (pc->type == IX_WPIECE_HOLE && p == seen) {
                int n = ask_type(L, w->text, w->pieces, p, kinds, &nkinds);
                if (n)
                    return n;
            }
            if (p == seen)
                seen++;
            if (items)
                continue;
            if (pc->type == IX_WPIECE_HOLE) {
                items = 1, *open = 1;
            } else if (p == first_piece) {
                items = 1; /* its word is in FIRST already */
            } else if (push_word(L, w, pc)) {
                lua_pushboolean(L, 1);
                lua_rawset(L, first);
                items = 1, first_piece = p;
            }
        }
        if (!items)
            return push_empty(L);
    }
    return 0;
}

/* read_plain for a template ix_wording_shape read (S, its bytes), with no
 * variant expanded: the first variant's pieces are every piece, in order,
 * and hold the first problem any variant's do, a placeholder's type asked
 * at the first piece of its bytes as read_plain asks it; then whether some
 * variant has no items.  The same answer, the same types asked. */
static int read_shape(lua_State *L, const char *s, const ix_wshape *sh, int first, int kinds, int *open)
{
    lua_Integer nkinds = 0;
    for (size_t p = 0; p < sh->npieces; p++) {
        const ix_wpiece *pc = &sh->pieces[p];
        if (pc->type == IX_WPIECE_BAD)
            return push_brace(L, s, pc);
        if (pc->type == IX_WPIECE_HOLE) {
            size_t q = 0;
            while (q < p && !(sh->pieces[q].len == pc->len && memcmp(s + sh->pieces[q].at, s + pc->at, pc->len) == 0))
                q++;
            int n = q == p ? ask_type(L, s, sh->pieces, p, kinds, &nkinds) : 0;
            if (n)
                return n;
        }
        if (!sh->opens[p]) {
            continue;
        } else if (pc->type == IX_WPIECE_HOLE) {
            *open = 1;
        } else {
            lua_pushlstring(L, sh->lows + pc->low_at, pc->low_len);
            lua_pushboolean(L, 1);
            lua_rawset(L, first);
        }
    }
    return sh->empty ? push_empty(L) : 0;
}

/* template.read(template, types, cache [, words]) -> {first, open, kinds,
 * reader | seqs} | nil, "type", kind | nil, "brace", piece | nil, "empty" |
 * nil, "big", message.  Each variant in order, each of its pieces in order:
 * a placeholder whose type TYPES lacks, a stray brace, then a variant of no
 * items is the problem.  FIRST: the literals a variant opens with (a set),
 * OPEN: one opens with a placeholder, KINDS: the types named, once each,
 * READER: the template read, for sequences (no item is made before; the
 * variants are expanded only then when ix_wording_shape reads it).
 * With WORDS (a replaced M.words) the sequences (SEQS) are made at once. */
static int l_read(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    luaL_checktype(L, 3, LUA_TTABLE);
    int words = lua_isnoneornil(L, 4) ? 0 : 4;
    lua_settop(L, 4);
    reader *rd = new_reader(L); /* 5 */
    ix_wording *w = &rd->w;
    ix_wshape sh;
    int shaped = !words && ix_wording_shape(s, len, &sh);
    ix_err err;
    if (shaped) {
        lua_pushvalue(L, 1); /* for wording_of */
        lua_setiuservalue(L, 5, 1);
    } else if (ix_wording_read(s, len, w, &err) < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "big");
        lua_pushstring(L, err.msg);
        return 3;
    } else {
        rd->expanded = 1;
    }
    int nfirst = 0, nholes = 0; /* at most, to size FIRST and KINDS */
    for (size_t p = 0; shaped && p < sh.npieces; p++) {
        nfirst += sh.opens[p] && sh.pieces[p].type == IX_WPIECE_LIT;
        nholes += sh.pieces[p].type == IX_WPIECE_HOLE;
    }
    lua_createtable(L, 0, 4);      /* the record: 6 */
    lua_createtable(L, 0, nfirst); /* 7 */
    lua_pushvalue(L, 7);
    lua_setfield(L, 6, "first");
    lua_createtable(L, nholes, 0); /* 8 */
    lua_pushvalue(L, 8);
    lua_setfield(L, 6, "kinds");
    if (!words) {
        int open = 0, n = shaped ? read_shape(L, s, &sh, 7, 8, &open) : read_plain(L, w, 7, 8, &open);
        if (n)
            return n;
        if (open) {
            lua_pushboolean(L, 1);
            lua_setfield(L, 6, "open");
        }
        lua_pushvalue(L, 5);
        lua_setfield(L, 6, "reader");
        lua_pushvalue(L, 6);
        return 1;
    }
    lua_settop(L, 6);
    slots *sl = new_slots(L, w); /* 7 */
    lua_getfield(L, 6, "kinds"); /* 8 */
    lua_Integer nkinds = 0;
    int open = 0;
    for (size_t v = 0; v < w->nvariants; v++) {
        size_t bad;
        int n = variant_items(L, w, v, sl, words, 3, 2, 8, &nkinds, &bad);
        if (n < 0) {
            const ix_wpiece *p = &w->pieces[bad];
            lua_pushnil(L);
            if (n == TYPE) {
                lua_pushliteral(L, "type");
                lua_pushlstring(L, w->text + p->kind_at, p->kind_len);
            } else {
                lua_pushliteral(L, "brace");
                lua_pushlstring(L, w->text + p->at, p->len);
            }
            return 3;
        }
        if (n == 0)
            return push_empty(L);
        luaL_checkstack(L, 3, "wording first"); /* as in push_seqs */
        for (size_t r = w->starts[v]; r < w->starts[v + 1]; r++) {
            const slots *f = &sl[w->refs[r]];
            if (!f->n)
                continue;
            if (lua_getfield(L, f->at, "lit") != LUA_TNIL && lua_toboolean(L, -1)) {
                lua_getfield(L, 6, "first");
                lua_insert(L, -2);
                lua_pushboolean(L, 1);
                lua_rawset(L, -3);
                lua_pop(L, 1);
            } else {
                lua_pop(L, 1);
                open = 1;
            }
            break;
        }
    }
    if (open) {
        lua_pushboolean(L, 1);
        lua_setfield(L, 6, "open");
    }
    push_seqs(L, w, sl, words, 3);
    lua_setfield(L, 6, "seqs");
    lua_pushvalue(L, 6);
    return 1;
}

/* template.sequences(reader, cache) -> the item sequences of every variant
 * of the template read (the record's reader), the literals split as the
 * built-in M.words does, the items kept in CACHE. */
static int l_sequences(lua_State *L)
{
    ix_wording *w = wording_of(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    slots *sl = new_slots(L, w);
    push_seqs(L, w, sl, 0, 2);
    return 1;
}

/* The keys l_keys makes, at KEYS and KINDS on the stack: the variant's
 * next item is its K-th; the pairs made (their position and word), the
 * first FEW of them. */
enum { FEW = 64 };
typedef struct key_state {
    int keys, kinds;
    lua_Integer k, nkeys, nkinds;
    struct {
        lua_Integer k;
        const char *word;
        size_t len;
    } made[FEW];
    size_t nmade;
} key_state;

/* The piece PC of TEXT (the literals' words in LOWS), next in a variant
 * walked: 1 once it is the variant's first literal item (its key made
 * unless made before), -1 for a {text} placeholder before that, else 0 (a
 * placeholder's type added to KINDS once). */
static int key_piece(lua_State *L, key_state *ks, const char *text, const char *lows, const ix_wpiece *pc)
{
    if (pc->type == IX_WPIECE_LIT && pc->low_len) {
        const char *word = lows + pc->low_at;
        size_t m = 0;
        while (m < ks->nmade
               && !(ks->made[m].k == ks->k && ks->made[m].len == pc->low_len && memcmp(ks->made[m].word, word, pc->low_len) == 0))
            m++;
        if (m < ks->nmade)
            return 1; /* made before: asking it again would change nothing */
        if (ks->nmade < FEW)
            ks->made[ks->nmade].k = ks->k, ks->made[ks->nmade].word = word, ks->made[ks->nmade++].len = pc->low_len;
        lua_pushinteger(L, ks->k);
        lua_rawseti(L, ks->keys, ++ks->nkeys);
        lua_pushlstring(L, word, pc->low_len);
        lua_rawseti(L, ks->keys, ++ks->nkeys);
        return 1;
    }
    if (pc->type != IX_WPIECE_HOLE)
        return 0; /* no item */
    const char *kind = text + pc->kind_at;
    if (pc->kind_len == 4 && memcmp(kind, "text", 4) == 0)
        return -1;
    lua_pushlstring(L, kind, pc->kind_len);
    int seen = 0;
    for (lua_Integer i = 1; i <= ks->nkinds && !seen; i++) {
        lua_rawgeti(L, ks->kinds, i);
        seen = lua_rawequal(L, -1, -2);
        lua_pop(L, 1);
    }
    if (seen)
        lua_pop(L, 1);
    else
        lua_rawseti(L, ks->kinds, ++ks->nkinds);
    ks->k++;
    return 0;
}

/* template.keys(reader) -> keys, kinds | nil: for each variant of the
 * template read, in order, the position of its first literal item and
 * that literal's word (KEYS: {k1, word1, k2, word2, ...}; a pair made
 * before left out, among the first 64), and the types of the placeholders
 * before them (KINDS, once each, in order), the items those
 * template.sequences makes, none made; nil when a variant has none or a
 * {text} placeholder before it.  The variants are walked on the
 * template's shape while the reader has not expanded them. */
static int l_keys(lua_State *L)
{
    reader *rd = luaL_checkudata(L, 1, WORDING_MT);
    lua_settop(L, 1);
    lua_getiuservalue(L, 1, 1); /* 2: the template, while not expanded */
    lua_newtable(L);            /* 3 */
    lua_newtable(L);            /* 4 */
    key_state ks = {.keys = 3, .kinds = 4};
    int rc = 1;
    if (rd->expanded) {
        ix_wording *w = &rd->w;
        ix_wording_prefix(w);
        for (size_t v = 0; v < w->nvariants && rc == 1; v++) {
            ks.k = 1, rc = 0;
            for (size_t r = w->starts[v]; r < w->starts[v + 1] && !rc; r++)
                rc = key_piece(L, &ks, w->text, w->lows, &w->pieces[w->refs[r]]);
        }
    } else {
        size_t len;
        const char *s = lua_tolstring(L, 2, &len);
        ix_wshape shape, *sh = &shape;
        if (!s || !ix_wording_shape(s, len, sh)) /* read so once already: never */
            return luaL_error(L, "template.keys: the reader's template cannot be read");
        do {
            ks.k = 1, rc = 0;
            for (size_t k = ix_wshape_held(sh, 0); k < sh->npieces && !rc; k = ix_wshape_held(sh, k + 1))
                rc = key_piece(L, &ks, s, sh->lows, &sh->pieces[k]);
        } while (rc == 1 && ix_wshape_next(sh));
    }
    if (rc != 1) {
        lua_pushnil(L);
        return 1;
    }
    return 2;
}

/* The first N words of the list at ARG, the lower-case words of a text,
 * into PLAIN (held by the list): FEW of them, or a userdata pushed. */
static ix_wword *plain_words(lua_State *L, int arg, size_t n, ix_wword *few, size_t nfew)
{
    ix_wword *plain = n > nfew ? lua_newuserdatauv(L, n * sizeof *plain, 0) : few;
    for (size_t k = 0; k < n; k++) {
        if (lua_rawgeti(L, arg, (lua_Integer)k + 1) != LUA_TSTRING)
            luaL_error(L, "template.fitting: word %d is not a string", (int)k + 1);
        plain[k].s = lua_tolstring(L, -1, &plain[k].len);
        lua_pop(L, 1);
    }
    return plain;
}

/* Whether a variant of the template of the reader at ARG (not expanded:
 * its shape reads, l_read) fits the words at 3, asked of the template
 * itself: most templates a text's first word opens fit none, and are then
 * never expanded. */
static int shape_fits(lua_State *L, int arg)
{
    size_t len, n = (size_t)lua_rawlen(L, 3);
    lua_getiuservalue(L, arg, 1);
    const char *s = lua_tolstring(L, -1, &len);
    if (!s)
        return luaL_error(L, "template.fitting: the reader has no template");
    if (n > len)
        n = len; /* a variant has fewer items than bytes */
    ix_wword few[32];
    int fits = ix_wshape_fits(s, len, plain_words(L, 3, n, few, sizeof few / sizeof *few), n);
    lua_settop(L, 3);
    return fits;
}

/* template.fitting(reader, seqs, plain) -> the sequences (SEQS[V], in
 * order) of the variants V of the template read whose fixed prefix fits
 * the lower-case words PLAIN (ix_wording_fits), or nil for none: the ones
 * try may match once the types are the built-in ones.  A reader not
 * expanded answers nil from the template's shape when none fits. */
static int l_fitting(lua_State *L)
{
    reader *rd = luaL_checkudata(L, 1, WORDING_MT);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    if (!rd->expanded && !shape_fits(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    ix_wording *w = wording_of(L, 1);
    ix_wording_prefix(w);
    size_t n = (size_t)lua_rawlen(L, 3);
    if (n > w->longest)
        n = w->longest; /* no prefix looks further */
    ix_wword few[32];
    const ix_wword *plain = plain_words(L, 3, n, few, sizeof few / sizeof *few);
    int out = 0;
    lua_Integer m = 0;
    for (size_t v = 0; v < w->nvariants; v++) {
        if (!ix_wording_fits(w, v, plain, n))
            continue;
        if (!out) {
            lua_newtable(L);
            out = lua_gettop(L);
        }
        lua_rawgeti(L, 2, (lua_Integer)v + 1);
        lua_rawseti(L, out, ++m);
    }
    if (!out)
        lua_pushnil(L);
    return 1;
}

/* words(text) -> {{raw=, low=, code=true|nil} | {boundary=true}, ...}:
 * wording.words, built in (ix_wording_words). */
static void push_token(void *ctx, const char *w, size_t len, int code)
{
    lua_State *L = ctx;
    if (!w) {
        lua_createtable(L, 0, 1);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "boundary");
    } else {
        lua_createtable(L, 0, 3);
        lua_pushlstring(L, w, len);
        lua_setfield(L, -2, "raw");
        luaL_Buffer b;
        char *low = luaL_buffinitsize(L, &b, len);
        for (size_t i = 0; i < len; i++) /* Lua's lower(): ASCII, the C locale */
            low[i] = w[i] >= 'A' && w[i] <= 'Z' ? (char)(w[i] + 32) : w[i];
        luaL_pushresultsize(&b, len);
        lua_setfield(L, -2, "low");
        if (code) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, "code");
        }
    }
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}

static int l_words(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    lua_newtable(L);
    ix_wording_words(text, len, push_token, L);
    return 1;
}

void ix_luawording_open(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"read", l_read},       {"sequences", l_sequences}, {"keys", l_keys},
        {"fitting", l_fitting}, {"words", l_words},         {NULL, NULL}};
    luaL_newmetatable(L, WORDING_MT); /* every function's upvalue */
    lua_pushcfunction(L, gc_reader);
    lua_setfield(L, -2, "__gc");
    luaL_setfuncs(L, funcs, 1);
}
