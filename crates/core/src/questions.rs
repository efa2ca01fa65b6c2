//! Custom questions an event type asks whoever books it, and the checking of their answers.
//!
//! Questions are part of the event type (at most [`MAX_QUESTIONS`], each bounded); answers are a
//! JSON object keyed by question id: a string for `text` and `choice` (one of the options), a
//! boolean for `yes_no`. Unknown ids, wrong types and missing required answers are refused, each
//! naming its field (`answers.{id}`), so every door (the API, the booking page, the widget)
//! applies the same rules.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::FieldError;
use crate::text;

/// Most questions one event type asks.
pub const MAX_QUESTIONS: usize = 20;
/// Most options a choice offers.
pub const MAX_OPTIONS: usize = 50;
/// Longest question label, in characters.
pub const MAX_LABEL: usize = 200;
/// Longest option, in characters.
pub const MAX_OPTION: usize = 100;
/// Longest text answer, in characters.
pub const MAX_ANSWER: usize = 2_000;

/// What kind of answer a question takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// Free text.
    Text,
    /// One of the options.
    Choice,
    /// Yes or no.
    YesNo,
}

/// One question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// 1 to 40 lowercase letters, digits, `_` and `-`; unique within the event type.
    pub id: String,
    /// What the person is asked.
    pub label: String,
    /// The kind of answer.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Whether a booking must answer it (a required `yes_no` must be answered, yes or no).
    #[serde(default)]
    pub required: bool,
    /// The options of a `choice` (1 to 50, distinct); empty for the other types.
    #[serde(default)]
    pub options: Vec<String>,
}

fn id_ok(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Checks an event type's questions, naming the first bad field (`questions[i].label`, ...).
/// Labels and options come back trimmed.
pub fn check_questions(field: &str, questions: &[Question]) -> Result<Vec<Question>, FieldError> {
    if questions.len() > MAX_QUESTIONS {
        return Err(FieldError::new(field, format!("at most {MAX_QUESTIONS} questions")));
    }
    let mut out: Vec<Question> = Vec::with_capacity(questions.len());
    for (i, q) in questions.iter().enumerate() {
        let at = |part: &str| format!("{field}[{i}].{part}");
        if !id_ok(&q.id) {
            return Err(FieldError::new(at("id"), "must be 1 to 40 lowercase letters, digits, _ and -"));
        }
        if out.iter().any(|o| o.id == q.id) {
            return Err(FieldError::new(at("id"), "is used by another question"));
        }
        let label = text::line(&at("label"), &q.label, MAX_LABEL)?;
        let mut options = Vec::with_capacity(q.options.len());
        match q.kind {
            QuestionType::Choice if q.options.is_empty() || q.options.len() > MAX_OPTIONS => {
                return Err(FieldError::new(
                    at("options"),
                    format!("a choice needs 1 to {MAX_OPTIONS} options"),
                ));
            }
            QuestionType::Choice => {
                for (j, o) in q.options.iter().enumerate() {
                    let o = text::line(&format!("{field}[{i}].options[{j}]"), o, MAX_OPTION)?;
                    if options.contains(&o) {
                        return Err(FieldError::new(format!("{field}[{i}].options[{j}]"), "is listed twice"));
                    }
                    options.push(o);
                }
            }
            _ if !q.options.is_empty() => {
                return Err(FieldError::new(at("options"), "only a choice has options"));
            }
            _ => {}
        }
        out.push(Question { id: q.id.clone(), label, kind: q.kind, required: q.required, options });
    }
    Ok(out)
}

/// Checks answers (a JSON object, or `null` for none) against the questions: every error is
/// reported. The answers kept are trimmed; empty text answers are dropped.
pub fn check_answers(questions: &[Question], answers: &Value) -> Result<Map<String, Value>, Vec<FieldError>> {
    let empty = Map::new();
    let given = match answers {
        Value::Null => &empty,
        Value::Object(m) => m,
        _ => return Err(vec![FieldError::new("answers", "must be an object keyed by question id")]),
    };
    let mut errors = Vec::new();
    for key in given.keys() {
        if !questions.iter().any(|q| &q.id == key) {
            let shown: String = key.chars().take(40).filter(|c| !c.is_control()).collect();
            errors.push(FieldError::new(format!("answers.{shown}"), "no such question"));
        }
    }
    let mut kept = Map::new();
    for q in questions {
        let field = format!("answers.{}", q.id);
        match (q.kind, given.get(&q.id)) {
            (_, None | Some(Value::Null)) => {}
            (QuestionType::YesNo, Some(Value::Bool(b))) => {
                kept.insert(q.id.clone(), Value::Bool(*b));
            }
            (QuestionType::YesNo, Some(_)) => errors.push(FieldError::new(&field, "must be true or false")),
            (QuestionType::Text, Some(Value::String(s))) => match text::text(&field, s.trim(), MAX_ANSWER) {
                Ok(t) if t.is_empty() => {}
                Ok(t) => {
                    kept.insert(q.id.clone(), Value::String(t));
                }
                Err(e) => errors.push(e),
            },
            (QuestionType::Choice, Some(Value::String(s))) => match q.options.iter().find(|o| *o == s.trim())
            {
                Some(o) => {
                    kept.insert(q.id.clone(), Value::String(o.clone()));
                }
                None if s.trim().is_empty() => {}
                None => errors.push(FieldError::new(&field, "must be one of the question's options")),
            },
            (_, Some(_)) => errors.push(FieldError::new(&field, "must be text")),
        }
        if q.required && !kept.contains_key(&q.id) && !errors.iter().any(|e| e.field == field) {
            errors.push(FieldError::new(&field, "is required"));
        }
    }
    if errors.is_empty() { Ok(kept) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn qs() -> Vec<Question> {
        serde_json::from_value(json!([
            {"id": "reason", "label": " Reason for visit ", "type": "text", "required": true},
            {"id": "first", "label": "First visit?", "type": "yes_no"},
            {"id": "room", "label": "Room", "type": "choice", "options": ["A", "B"], "required": true}
        ]))
        .unwrap()
    }

    #[test]
    fn questions_are_checked_and_trimmed() {
        let ok = check_questions("questions", &qs()).unwrap();
        assert_eq!(ok[0].label, "Reason for visit");
        let mut bad = qs();
        bad[1].id = "reason".into();
        assert_eq!(check_questions("questions", &bad).unwrap_err().field, "questions[1].id");
        let mut bad = qs();
        bad[2].options.clear();
        assert_eq!(check_questions("questions", &bad).unwrap_err().field, "questions[2].options");
        let mut bad = qs();
        bad[0].options = vec!["x".into()];
        assert_eq!(check_questions("questions", &bad).unwrap_err().field, "questions[0].options");
        let mut bad = qs();
        bad[2].options[1] = "A".into();
        assert_eq!(check_questions("questions", &bad).unwrap_err().field, "questions[2].options[1]");
        let mut bad = qs();
        bad[0].label = "two\nlines".into();
        assert_eq!(check_questions("questions", &bad).unwrap_err().field, "questions[0].label");
        let many = vec![qs()[1].clone(); MAX_QUESTIONS + 1];
        assert_eq!(check_questions("questions", &many).unwrap_err().field, "questions");
    }

    #[test]
    fn answers_follow_their_questions() {
        let q = check_questions("questions", &qs()).unwrap();
        let kept = check_answers(&q, &json!({"reason": " Checkup ", "first": false, "room": "B"})).unwrap();
        assert_eq!(Value::Object(kept), json!({"reason": "Checkup", "first": false, "room": "B"}));
        let errs = check_answers(&q, &json!({"first": "yes", "room": "C", "extra": 1})).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers.extra", "answers.reason", "answers.first", "answers.room"]);
        assert_eq!(check_answers(&q, &json!([])).unwrap_err()[0].field, "answers");
        assert!(check_answers(&[], &Value::Null).unwrap().is_empty());
        let errs = check_answers(&q, &json!({"reason": "   ", "room": "A"})).unwrap_err();
        assert_eq!(errs[0].field, "answers.reason");
    }
}
