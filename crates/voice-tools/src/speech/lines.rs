//! Every sentence the tools speak, per language, as templates: `{name}` marks a value filled
//! in ([`super::words::fill`]). A new language is one more [`Lines`].

/// The tools' sentences in one language.
pub(crate) struct Lines {
    /// `{words}`: what the caller said.
    pub no_day_heard: &'static str,
    /// `{when}`.
    pub is_free: &'static str,
    /// `{when}` (capitalized).
    pub not_free: &'static str,
    /// `{options}`.
    pub pick_one: &'static str,
    /// `{text}`: the caller's words for the day or window.
    pub nothing_then: &'static str,
    /// `{sentence}`, `{days}`.
    pub nothing_else_open: &'static str,
    /// `{sentence}`, `{options}`.
    pub alternatives: &'static str,
    /// `{days}`.
    pub nothing_open: &'static str,
    /// `{options}`.
    pub earliest: &'static str,
    pub ask_when: &'static str,
    /// `{words}`.
    pub no_time_heard: &'static str,
    /// `{reason}`: why a time said was refused.
    pub refused_time: &'static str,
    pub ask_name: &'static str,
    pub bad_phone: &'static str,
    pub bad_email: &'static str,
    pub our_team: &'static str,
    /// `{when}`, `{host}`, `{code}`.
    pub booked: &'static str,
    pub taken: &'static str,
    pub not_bookable: &'static str,
    /// `{when}`, `{why}`.
    pub refused_no_alternatives: &'static str,
    /// `{when}`, `{why}`, `{options}`.
    pub refused_with_alternatives: &'static str,
    pub missing_details: &'static str,
    /// `{code}`.
    pub no_such_code: &'static str,
    pub ask_code_or_phone: &'static str,
    pub none_for_phone: &'static str,
    /// `{n}`, `{options}`.
    pub several_for_phone: &'static str,
    /// `{when}`.
    pub found_cancelled: &'static str,
    /// `{when}`, `{host}`, `{code}`.
    pub found: &'static str,
    pub cancelled_cannot_move: &'static str,
    /// `{when}`, `{host}`, `{code}`.
    pub moved: &'static str,
    /// `{when}`.
    pub already_cancelled: &'static str,
    /// `{when}`.
    pub cancelled: &'static str,
    /// `{services}`.
    pub which_service: &'static str,
    pub unreachable: &'static str,
}

pub(crate) static ENGLISH: Lines = Lines {
    no_day_heard: "I didn't catch a day or time in \"{words}\". What day works for you?",
    is_free: "Yes, {when} is available. Shall I book it?",
    not_free: "{when} isn't available.",
    pick_one: "{options}. Which works for you?",
    nothing_then: "I don't have anything {text}.",
    nothing_else_open: "{sentence} Nothing else is open in the next {days} days.",
    alternatives: "{sentence} {options}. Would one of those work?",
    nothing_open: "I'm sorry, nothing is open in the next {days} days.",
    earliest: "{options}. Those are the earliest times I have. Which works for you?",
    ask_when: "What day and time would you like?",
    no_time_heard: "I didn't catch a time in \"{words}\". What day and time would you like?",
    refused_time: "{reason} What day works for you?",
    ask_name: "What name should I put the appointment under?",
    bad_phone: "I didn't get that phone number. Could you say it again, with the area code?",
    bad_email: "That email address doesn't look right. Could you spell it for me?",
    our_team: "our team",
    booked: "You're all set for {when} with {host}. Your confirmation code is {code}.",
    taken: "is taken",
    not_bookable: "isn't one I can book",
    refused_no_alternatives: "Sorry, {when} {why}, and I have nothing else open.",
    refused_with_alternatives: "Sorry, {when} {why}. {options}. Would one of those work?",
    missing_details: "I'm missing something to book that. Could you repeat the details?",
    no_such_code: "I couldn't find a booking with the code {code}. Could you read it to me again?",
    ask_code_or_phone: "Could you give me your confirmation code, or the phone number you booked with?",
    none_for_phone: "I couldn't find an upcoming appointment for that phone number. Do you have a confirmation code?",
    several_for_phone: "I see {n} appointments for that number: {options}. Which one do you mean? The confirmation code would help.",
    found_cancelled: "That appointment, {when}, was cancelled.",
    found: "I found it: {when} with {host}. Your confirmation code is {code}.",
    cancelled_cannot_move: "That appointment was cancelled, so there's nothing to move. Shall I book a new time?",
    moved: "Done. You're now booked for {when} with {host}. Your confirmation code stays {code}.",
    already_cancelled: "Your appointment {when} was already cancelled.",
    cancelled: "Your appointment {when} is cancelled. Is there anything else I can help with?",
    which_service: "I can book {services}. Which would you like?",
    unreachable: "Sorry, I can't reach the calendar right now. Please try again in a moment.",
};

pub(crate) static SPANISH: Lines = Lines {
    no_day_heard: "No entendí ningún día ni hora en «{words}». ¿Qué día le viene bien?",
    is_free: "Sí, {when} está libre. ¿Se lo reservo?",
    not_free: "{when} no está libre.",
    pick_one: "{options}. ¿Cuál le viene mejor?",
    nothing_then: "No tengo nada {text}.",
    nothing_else_open: "{sentence} No hay nada más libre en los próximos {days} días.",
    alternatives: "{sentence} {options}. ¿Le viene bien alguna?",
    nothing_open: "Lo siento, no hay nada libre en los próximos {days} días.",
    earliest: "{options}. Son las primeras horas que tengo. ¿Cuál le viene mejor?",
    ask_when: "¿Qué día y a qué hora le gustaría?",
    no_time_heard: "No entendí ninguna hora en «{words}». ¿Qué día y a qué hora le gustaría?",
    refused_time: "{reason} ¿Qué día le viene bien?",
    ask_name: "¿A nombre de quién pongo la cita?",
    bad_phone: "No entendí ese número de teléfono. ¿Me lo repite con el prefijo?",
    bad_email: "Ese correo electrónico no parece correcto. ¿Me lo deletrea?",
    our_team: "nuestro equipo",
    booked: "Listo: queda reservado {when} con {host}. Su código de confirmación es {code}.",
    taken: "ya está ocupado",
    not_bookable: "no se puede reservar",
    refused_no_alternatives: "Lo siento, {when} {why} y no tengo nada más libre.",
    refused_with_alternatives: "Lo siento, {when} {why}. {options}. ¿Le viene bien alguna?",
    missing_details: "Me falta algún dato para reservarlo. ¿Me repite los detalles?",
    no_such_code: "No encontré ninguna cita con el código {code}. ¿Me lo lee otra vez?",
    ask_code_or_phone: "¿Me da su código de confirmación o el teléfono con el que reservó?",
    none_for_phone: "No encontré ninguna cita próxima con ese teléfono. ¿Tiene un código de confirmación?",
    several_for_phone: "Veo {n} citas con ese número: {options}. ¿Cuál de ellas? El código de confirmación me ayudaría.",
    found_cancelled: "Esa cita, {when}, está cancelada.",
    found: "La encontré: {when} con {host}. Su código de confirmación es {code}.",
    cancelled_cannot_move: "Esa cita está cancelada, así que no hay nada que mover. ¿Le reservo una hora nueva?",
    moved: "Hecho. Ahora su cita es {when} con {host}. Su código de confirmación sigue siendo {code}.",
    already_cancelled: "Su cita de {when} ya estaba cancelada.",
    cancelled: "Su cita de {when} queda cancelada. ¿Le puedo ayudar en algo más?",
    which_service: "Puedo reservar {services}. ¿Cuál desea?",
    unreachable: "Lo siento, ahora mismo no puedo acceder a la agenda. Inténtelo de nuevo en un momento.",
};
