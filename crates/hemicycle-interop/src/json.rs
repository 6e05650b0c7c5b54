//! Reading a JSON document with the path of every value, so that an error can say
//! `memberships[212].organization_id: …`.

use serde_json::Value;

/// A value and its path in the document.
#[derive(Clone)]
pub(crate) struct Node<'a> {
    pub value: &'a Value,
    path: String,
}

/// An error at a path, before the file's name is added.
#[derive(Debug)]
pub(crate) struct PathError {
    pub path: String,
    pub message: String,
}

pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> PathError {
    PathError {
        path: path.into(),
        message: message.into(),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value) -> Self {
        Node {
            value,
            path: String::new(),
        }
    }

    pub fn path(&self) -> String {
        if self.path.is_empty() {
            "(document)".to_owned()
        } else {
            self.path.clone()
        }
    }

    /// A field that is an object, as a node.
    pub fn child(&self, name: &str) -> Result<Option<Node<'a>>, PathError> {
        Ok(self.get(name)?.map(|value| Node {
            value,
            path: self.field_path(name),
        }))
    }

    pub fn field_path(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn object(&self) -> Result<&'a serde_json::Map<String, Value>, PathError> {
        self.value.as_object().ok_or_else(|| {
            at(
                self.path(),
                format!("expected an object, found {}", type_name(self.value)),
            )
        })
    }

    /// A field's value; `None` when absent or null.
    pub fn get(&self, name: &str) -> Result<Option<&'a Value>, PathError> {
        Ok(self.object()?.get(name).filter(|value| !value.is_null()))
    }

    /// An optional string field.
    pub fn string(&self, name: &str) -> Result<Option<&'a str>, PathError> {
        match self.get(name)? {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.as_str())),
            Some(other) => Err(at(
                self.field_path(name),
                format!("expected a string, found {}", type_name(other)),
            )),
        }
    }

    /// An optional, non-blank string field (blank strings are taken as absent).
    pub fn text(&self, name: &str) -> Result<Option<&'a str>, PathError> {
        Ok(self.string(name)?.filter(|text| !text.trim().is_empty()))
    }

    pub fn required_text(&self, name: &str) -> Result<&'a str, PathError> {
        self.text(name)?.ok_or_else(|| {
            at(
                self.field_path(name),
                "missing (a non-empty string is required)",
            )
        })
    }

    /// An optional non-negative integer that fits in `u32`.
    pub fn count(&self, name: &str) -> Result<Option<u32>, PathError> {
        match self.get(name)? {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .and_then(|number| u32::try_from(number).ok())
                .map(Some)
                .ok_or_else(|| {
                    at(
                        self.field_path(name),
                        format!(
                            "expected a whole number from 0 to {}, found {value}",
                            u32::MAX
                        ),
                    )
                }),
        }
    }

    /// The items of an optional array field, each with its path.
    pub fn items(&self, name: &str) -> Result<Vec<Node<'a>>, PathError> {
        let Some(value) = self.get(name)? else {
            return Ok(Vec::new());
        };
        let array = value.as_array().ok_or_else(|| {
            at(
                self.field_path(name),
                format!("expected an array, found {}", type_name(value)),
            )
        })?;
        let base = self.field_path(name);
        Ok(array
            .iter()
            .enumerate()
            .map(|(index, value)| Node {
                value,
                path: format!("{base}[{index}]"),
            })
            .collect())
    }
}
