//! The tools' descriptions in every language agents are configured in: the English text (the
//! tools' own, and their arguments' from the typed structs) with its translation.

use serde_json::Value;
use sked_when::Language;

/// `(English, Spanish)`.
const SPANISH: &[(&str, &str)] = &[
    (
        "Find free times. Pass what the caller said about when, in their words (for example \"next Tuesday afternoon\").",
        "Busca horas libres. Pase lo que dijo la persona sobre cuándo, con sus palabras (por ejemplo «el martes que viene por la tarde»).",
    ),
    ("Find the earliest free times.", "Busca las primeras horas libres."),
    (
        "Book a time the caller chose. Use `start` from a time offered earlier, or `when` with the caller's exact words.",
        "Reserva la hora que eligió la persona. Use `start` de una hora ofrecida antes, o `when` con sus palabras exactas.",
    ),
    (
        "Look up the caller's appointment by confirmation code or phone number (default: the number they call from).",
        "Busca la cita de la persona por código de confirmación o por teléfono (por defecto, el número desde el que llama).",
    ),
    ("Move the caller's appointment to another time.", "Cambia la cita de la persona a otra hora."),
    ("Cancel the caller's appointment.", "Cancela la cita de la persona."),
    ("When the caller wants to come, in their words.", "Cuándo quiere venir la persona, con sus palabras."),
    (
        "The service, if the caller named one (its name or slug).",
        "El servicio, si la persona nombró uno (su nombre o slug).",
    ),
    (
        "The chosen start, exactly as returned by check_availability (RFC 3339).",
        "La hora elegida, tal como la devolvió check_availability (RFC 3339).",
    ),
    (
        "The caller's words for the time, if no start was offered.",
        "Las palabras de la persona para la hora, si no se ofreció ninguna.",
    ),
    ("The caller's full name.", "El nombre completo de la persona."),
    (
        "A phone number, if not the one they are calling from.",
        "Un teléfono, si no es el número desde el que llama.",
    ),
    (
        "The new time, in the caller's words, or an RFC 3339 start offered earlier.",
        "La nueva hora, con las palabras de la persona, o una hora RFC 3339 ofrecida antes.",
    ),
];

/// `english` in `language` (English itself, or text with no translation, as it is).
pub(crate) fn text(english: &'static str, language: Language) -> &'static str {
    match language {
        Language::En => english,
        Language::Es => SPANISH.iter().find(|(en, _)| *en == english).map_or(english, |(_, es)| *es),
    }
}

/// A tool's schema with its arguments' descriptions in `language`.
pub(crate) fn schema(mut schema: Value, language: Language) -> Value {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for prop in props.values_mut() {
            let Some(d) = prop.get("description").and_then(Value::as_str) else { continue };
            if let Some((_, es)) = SPANISH.iter().find(|(en, _)| *en == d)
                && language == Language::Es
            {
                prop["description"] = Value::from(*es);
            }
        }
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_english_description_has_its_spanish() {
        for (name, description, schema) in crate::definitions() {
            assert_ne!(text(description, Language::Es), description, "{name}");
            let spanish = super::schema(schema.clone(), Language::Es);
            for (prop, v) in schema["properties"].as_object().unwrap() {
                if let Some(d) = v.get("description") {
                    assert_ne!(&spanish["properties"][prop]["description"], d, "{name}.{prop}");
                }
            }
        }
    }
}
