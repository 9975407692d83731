//! A JSON Schema validator for exactly the keywords `schema/report.schema.json` uses, for the
//! tests: `type` (one or a list), `enum`, `const`, `required`, `properties`,
//! `additionalProperties: false`, `items`, `minLength`, `minimum`, `pattern`, and `$ref` into the
//! schema's own `$defs`; `$schema`, `$id`, `title` and `description` are annotations.
//!
//! A schema that uses any other keyword is refused ([`Schema::new`] says which and where), so a
//! keyword added to the schema is never silently skipped: teach it here first. (A full validator
//! crate pulled an internationalised-URL stack into every fresh build of the tests, for keywords
//! this schema does not use.)

use serde_json::Value;

const KNOWN: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$defs",
    "title",
    "description",
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minLength",
    "minimum",
    "pattern",
];

/// A schema, checked to use only the keywords above.
pub struct Schema<'a> {
    root: &'a Value,
}

impl<'a> Schema<'a> {
    /// Checks that `root` uses only keywords this validator knows; an error names the first other.
    pub fn new(root: &'a Value) -> Result<Self, String> {
        known(root, "#")?;
        Ok(Self { root })
    }

    /// Every place `doc` breaks the schema, as `<path>: <what>`; empty when it is valid.
    pub fn errors(&self, doc: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(self.root, doc, "", &mut errors);
        errors
    }

    fn check(&self, schema: &Value, doc: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(schema) = schema.as_object() else { return };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match reference.strip_prefix("#/$defs/").and_then(|name| self.root["$defs"].get(name)) {
                Some(target) => self.check(target, doc, at, errors),
                None => errors.push(format!("{}: unresolved $ref {reference}", shown(at))),
            }
            return;
        }
        let mut fail = |what: String| errors.push(format!("{}: {what}", shown(at)));
        if let Some(types) = schema.get("type") {
            let names: Vec<&str> = match types {
                Value::String(name) => vec![name.as_str()],
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !names.iter().any(|name| has_type(doc, name)) {
                fail(format!("expected type {names:?}, got {doc}"));
            }
        }
        if let Some(Value::Array(allowed)) = schema.get("enum") {
            if !allowed.contains(doc) {
                fail(format!("{doc} is not one of {}", Value::Array(allowed.clone())));
            }
        }
        if let Some(constant) = schema.get("const") {
            if constant != doc {
                fail(format!("expected {constant}, got {doc}"));
            }
        }
        if let (Some(min), Some(s)) = (schema.get("minLength").and_then(Value::as_u64), doc.as_str()) {
            if (s.chars().count() as u64) < min {
                fail(format!("{doc} is shorter than {min}"));
            }
        }
        if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), doc.as_f64()) {
            if n < min {
                fail(format!("{n} is below the minimum {min}"));
            }
        }
        if let (Some(pattern), Some(s)) = (schema.get("pattern").and_then(Value::as_str), doc.as_str()) {
            let re = regex_lite::Regex::new(pattern).expect("the schema's pattern is a regular expression");
            if !re.is_match(s) {
                fail(format!("{doc} does not match {pattern}"));
            }
        }
        if let Some(object) = doc.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                if let Some(name) = name.as_str().filter(|n| !object.contains_key(*n)) {
                    fail(format!("missing required property `{name}`"));
                }
            }
            for (name, value) in object {
                match properties.and_then(|p| p.get(name)) {
                    Some(sub) => self.check(sub, value, &format!("{at}/{name}"), errors),
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        errors.push(format!("{}: property `{name}` is not allowed", shown(at)));
                    }
                    None => {}
                }
            }
        }
        if let (Some(items), Some(list)) = (schema.get("items"), doc.as_array()) {
            for (i, item) in list.iter().enumerate() {
                self.check(items, item, &format!("{at}/{i}"), errors);
            }
        }
    }
}

/// A path for a message: `/` for the document itself.
fn shown(at: &str) -> &str {
    if at.is_empty() {
        "/"
    } else {
        at
    }
}

fn has_type(doc: &Value, name: &str) -> bool {
    match name {
        "object" => doc.is_object(),
        "array" => doc.is_array(),
        "string" => doc.is_string(),
        "boolean" => doc.is_boolean(),
        "null" => doc.is_null(),
        "integer" => doc.is_i64() || doc.is_u64(),
        "number" => doc.is_number(),
        _ => false,
    }
}

/// Every key of every schema object below `schema` is a keyword this validator knows (the
/// names under `properties` and `$defs` are names, not keywords).
fn known(schema: &Value, at: &str) -> Result<(), String> {
    let Some(object) = schema.as_object() else { return Ok(()) };
    for (key, value) in object {
        if !KNOWN.contains(&key.as_str()) {
            return Err(format!("{at}: keyword `{key}` is not one this validator checks"));
        }
        match (key.as_str(), value) {
            ("properties" | "$defs", Value::Object(named)) => {
                for (name, sub) in named {
                    known(sub, &format!("{at}/{key}/{name}"))?;
                }
            }
            ("items", sub) => known(sub, &format!("{at}/items"))?,
            _ => {}
        }
    }
    Ok(())
}

#[test]
fn the_validator_catches_each_keyword_it_knows() {
    let root = serde_json::json!({
        "type": "object",
        "required": ["n", "kind"],
        "additionalProperties": false,
        "properties": {
            "n": { "type": ["integer", "null"], "minimum": 1 },
            "kind": { "$ref": "#/$defs/kind" },
            "name": { "type": "string", "minLength": 2, "pattern": "^[a-z]+$" },
            "v": { "const": 1 },
            "list": { "type": "array", "items": { "type": "boolean" } }
        },
        "$defs": { "kind": { "enum": ["a", "b"] } }
    });
    let schema = Schema::new(&root).expect("known keywords only");
    assert_eq!(
        schema.errors(&serde_json::json!({"n": 1, "kind": "a", "name": "ab", "v": 1, "list": [true]})),
        Vec::<String>::new()
    );
    assert_eq!(schema.errors(&serde_json::json!({"n": null, "kind": "b"})), Vec::<String>::new());
    let broken = [
        serde_json::json!({"kind": "a"}),
        serde_json::json!({"n": 1, "kind": "c"}),
        serde_json::json!({"n": 0, "kind": "a"}),
        serde_json::json!({"n": 1.5, "kind": "a"}),
        serde_json::json!({"n": 1, "kind": "a", "name": "a"}),
        serde_json::json!({"n": 1, "kind": "a", "name": "aB"}),
        serde_json::json!({"n": 1, "kind": "a", "v": 2}),
        serde_json::json!({"n": 1, "kind": "a", "list": [1]}),
        serde_json::json!({"n": 1, "kind": "a", "extra": true}),
        serde_json::json!([]),
    ];
    for doc in broken {
        assert_eq!(schema.errors(&doc).len(), 1, "{doc}: {:?}", schema.errors(&doc));
    }
    let unknown = serde_json::json!({ "properties": { "x": { "oneOf": [] } } });
    assert_eq!(
        Schema::new(&unknown).err().as_deref(),
        Some("#/properties/x: keyword `oneOf` is not one this validator checks")
    );
}
