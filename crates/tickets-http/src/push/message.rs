//! What a push message says: the stage reached, the ticket, and the words shown, in the
//! subscriber's language.

use serde::Serialize;
use tickets_core::push::PushStage;
use tickets_core::{BusinessDay, OfficeConfig, Ticket};

use crate::lang::Lang;

/// The JSON a push message carries (the service worker shows `title` and `body`, and
/// opens `url` when the notification is touched).
#[derive(Debug, Serialize)]
pub(super) struct Message {
    pub(super) kind: PushStage,
    pub(super) day: BusinessDay,
    pub(super) ticket: u64,
    pub(super) label: String,
    /// Tickets before it, for `near` and `next`.
    pub(super) ahead: Option<u64>,
    /// The desk's name, for `called`.
    pub(super) desk: Option<String>,
    pub(super) title: String,
    pub(super) body: String,
    /// The ticket's page, with the holder's key.
    pub(super) url: String,
    /// One notification per ticket: each replaces the one before.
    pub(super) tag: String,
}

impl Message {
    /// The message of `stage` for `ticket` of `day`, with `ahead` tickets before it.
    pub(super) fn new(
        lang: Lang,
        office: &OfficeConfig,
        day: BusinessDay,
        ticket: &Ticket,
        stage: PushStage,
        ahead: Option<u64>,
        url: String,
    ) -> Self {
        let label = &ticket.label;
        let desk = ticket.desk.as_ref().map(|id| {
            office
                .desks
                .iter()
                .find(|d| &d.id == id)
                .map(|d| d.name.get(lang.code()).to_owned())
                .unwrap_or_else(|| format!("{} {id}", lang.t("Guichet", "Desk")))
        });
        let (title, body) = match stage {
            PushStage::Near => {
                let n = ahead.unwrap_or(0);
                (
                    format!(
                        "Ticket {label}{}",
                        lang.t(" : bientôt votre tour", ": your turn is near")
                    ),
                    match n {
                        1 => lang
                            .t(
                                "Encore 1 personne avant vous. Revenez vers les guichets.",
                                "1 person ahead of you. Please come back to the desks.",
                            )
                            .to_owned(),
                        _ => lang
                            .t(
                                "Encore {n} personnes avant vous. Revenez vers les guichets.",
                                "{n} people ahead of you. Please come back to the desks.",
                            )
                            .replace("{n}", &n.to_string()),
                    },
                )
            }
            PushStage::Next => (
                format!(
                    "Ticket {label}{}",
                    lang.t(" : vous êtes le prochain", ": you are next")
                ),
                lang.t(
                    "Plus personne avant vous : rapprochez-vous des guichets.",
                    "Nobody is ahead of you any more: please come to the desks.",
                )
                .to_owned(),
            ),
            PushStage::Called => {
                let at = desk
                    .clone()
                    .unwrap_or_else(|| lang.t("un guichet", "a desk").to_owned());
                (
                    format!("Ticket {label} → {at}"),
                    format!(
                        "{}{at}.",
                        lang.t(
                            "C'est votre tour ! Rendez-vous au ",
                            "It's your turn! Please go to "
                        )
                    ),
                )
            }
        };
        Message {
            kind: stage,
            day,
            ticket: ticket.number.get(),
            label: label.clone(),
            ahead: (stage != PushStage::Called).then_some(ahead).flatten(),
            desk,
            title,
            body,
            url,
            tag: format!("ticket-{day}-{}", ticket.number.get()),
        }
    }
}
