/* yamltypes.c - what a plain scalar resolves as, and what an explicit tag
 * allows (yamledit_internal.h). */
#include "yamledit_internal.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* Plain-scalar resolution: the YAML 1.1 type repository (yaml.org/type/)
 * and the YAML 1.2 core schema (spec 1.2.2, 10.3.2), first match wins,
 * anything else is "str".  Deliberate widenings, all harmless because a
 * string that gets quoted stays the same string: null/bool/.inf/.nan match
 * in any case (some readers fold case); 1.1 floats follow PyYAML and
 * go-yaml ("[0-9_]*" after the point, where the spec's "[0-9.]*" would
 * make every version "0.1.18" a float, which no reader does); 1.1 floats
 * and timestamps take PyYAML's slightly wider forms; "<<" and "=" are the
 * 1.1 merge and value types. */
static const struct {
    int schema; /* 11 or 12 */
    const char *type, *re;
    int icase;
} yaml_types[] = {
    {11, "null", "^(null|~)?$", 1},
    {11, "bool", "^(y|yes|n|no|true|false|on|off)$", 1},
    {11, "int", "^[-+]?0b[01_]+$", 0},
    {11, "int", "^[-+]?0[0-7_]+$", 0},
    {11, "int", "^[-+]?(0|[1-9][0-9_]*)$", 0},
    {11, "int", "^[-+]?0x[0-9a-fA-F_]+$", 0},
    {11, "int", "^[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$", 0}, /* base 60: 22:22 */
    {11, "float", "^[-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+][0-9]+)?$", 0},
    {11, "float", "^[-+]?\\.[0-9_]+([eE][-+][0-9]+)?$", 0},
    {11, "float", "^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*$", 0},
    {11, "float", "^[-+]?\\.inf$", 1},
    {11, "float", "^\\.nan$", 1},
    {11, "timestamp", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", 0},
    {11, "timestamp", "^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
                      "(\\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?$", 0},
    {11, "merge", "^<<$", 0},
    {11, "value", "^=$", 0},
    {12, "null", "^(null|~)?$", 1},
    {12, "bool", "^(true|false)$", 1},
    {12, "int", "^[-+]?[0-9]+$", 0},
    {12, "int", "^0o[0-7]+$", 0},
    {12, "int", "^0x[0-9a-fA-F]+$", 0},
    {12, "float", "^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", 0},
    {12, "float", "^[-+]?\\.inf$", 1},
    {12, "float", "^\\.nan$", 1},
};

const char *ix_yaml_resolve(const char *plain, int schema)
{
    for (size_t i = 0; i < sizeof yaml_types / sizeof *yaml_types; i++) {
        if (yaml_types[i].schema != schema)
            continue;
        regex_t re;
        /* Compiled per call: the table is small and this stays thread-safe. */
        if (regcomp(&re, yaml_types[i].re, REG_EXTENDED | REG_NOSUB | (yaml_types[i].icase ? REG_ICASE : 0)))
            return "?"; /* cannot happen with the fixed table; never "str", so callers quote */
        int hit = regexec(&re, plain, 0, NULL, 0) == 0;
        regfree(&re);
        if (hit)
            return yaml_types[i].type;
    }
    return "str";
}

int ix_yaml_resolves_str(const char *plain)
{
    return strcmp(ix_yaml_resolve(plain, 11), "str") == 0 &&
           strcmp(ix_yaml_resolve(plain, 12), "str") == 0;
}

/* Base64 as !!binary takes it: whitespace ignored, '=' padding only at the end. */
static int base64_ok(const char *v)
{
    size_t n = 0, pad = 0;
    for (; *v; v++) {
        if (strchr(" \t\r\n", *v))
            continue;
        if (*v == '=')
            pad++;
        else if (pad || !(((*v | 0x20) >= 'a' && (*v | 0x20) <= 'z') || (*v >= '0' && *v <= '9') ||
                          *v == '+' || *v == '/'))
            return 0;
        n++;
    }
    return n % 4 == 0 && pad <= 2;
}

/* Does V satisfy the explicit tag TAG?  Only the scalar types of the YAML
 * type repository are checked; !!str and other tags take anything. */
int ix_yaml_tag_ok(const char *tag, const char *v)
{
    static const char pre[] = "tag:yaml.org,2002:";
    if (!tag || strncmp(tag, pre, sizeof pre - 1) != 0)
        return 1;
    const char *want = tag + sizeof pre - 1;
    if (strcmp(want, "binary") == 0)
        return base64_ok(v);
    static const char *const checked[] = {"int", "float", "bool", "null", "timestamp"};
    size_t k = 0;
    while (k < 5 && strcmp(want, checked[k]) != 0)
        k++;
    if (k == 5)
        return 1;
    for (int schema = 11; schema <= 12; schema++) {
        const char *got = ix_yaml_resolve(v, schema);
        if (strcmp(got, want) == 0 || (strcmp(want, "float") == 0 && strcmp(got, "int") == 0))
            return 1;
    }
    return 0;
}
