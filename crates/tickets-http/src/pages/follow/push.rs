//! The ticket page's offer of push notifications: for the ticket's holder, while the
//! ticket waits, one tap to be told on this phone, even with the page closed, when the
//! turn nears, when they are next and when they are called. `web-assets/js/push.js` runs
//! it against `/api/push/…`; without JavaScript it stays hidden.

use maud::{Markup, html};

use crate::lang::Lang;

/// The offer: what the holder will get, the button, a status line and the button that
/// turns it off. Every text the script may show is here too, in the page's language, as a
/// `data-t-*` attribute (`page-open` follows each one that says no notification will
/// come). Hidden until the script shows it.
///
/// `ahead`: the first notice comes when this many people or fewer are ahead. `key`: the
/// holder's key, which the subscription carries.
pub(super) fn offer(l: Lang, ahead: u32, key: &str) -> Markup {
    html! {
        section class="push no-print js-only" data-push data-state="offer" data-key=(key)
            aria-labelledby="push-title" hidden
            data-t-busy=(l.t("Activation…", "Turning on…"))
            data-t-page-open=(l.t(
                "Gardez cette page ouverte\u{a0}: elle sonnera et vibrera quand ce sera votre tour.",
                "Keep this page open: it will ring and vibrate when it is your turn.",
            ))
            data-t-busy-off=(l.t("Désactivation…", "Turning off…"))
            data-t-on=(l.t(
                "C'est activé\u{a0}: ce téléphone vous préviendra, même page fermée.",
                "It's on: this phone will notify you, even with the page closed.",
            ))
            data-t-off=(l.t(
                "Notifications désactivées\u{a0}: vous ne serez plus prévenu page fermée.",
                "Notifications are off: you will no longer be notified with the page closed.",
            ))
            data-t-refused=(l.t(
                "Notifications refusées\u{a0}: vous ne serez pas prévenu page fermée ni téléphone verrouillé.",
                "Notifications refused: you will not be notified with the page closed or the phone locked.",
            ))
            data-t-refused-how=(l.t(
                "Pour changer d'avis, autorisez les notifications de ce site dans les réglages du navigateur, puis rechargez la page.",
                "To change your mind, allow notifications for this site in your browser's settings, then reload the page.",
            ))
            data-t-dismissed=(l.t(
                "Notifications pas encore autorisées\u{a0}: vous ne serez pas prévenu page fermée.",
                "Notifications not allowed yet: you will not be notified with the page closed.",
            ))
            data-t-unsupported=(l.t(
                "Ce navigateur ne peut pas vous prévenir page fermée\u{a0}: vous ne recevrez pas de notification.",
                "This browser cannot notify you with the page closed: you will not get notifications.",
            ))
            data-t-failed=(l.t(
                "Ce téléphone n'a pas pu activer les notifications.",
                "This phone could not turn notifications on.",
            ))
            data-t-network=(l.t(
                "Pas de réseau\u{a0}: les notifications n'ont pas pu être activées. Réessayez.",
                "No network: notifications could not be turned on. Please try again.",
            ))
            data-t-gone=(l.t(
                "Votre ticket n'attend plus\u{a0}: il n'y a plus rien à vous annoncer.",
                "Your ticket is no longer waiting: there is nothing left to announce.",
            ))
            data-t-off-failed=(l.t(
                "Les notifications n'ont pas pu être désactivées. Réessayez.",
                "Notifications could not be turned off. Please try again.",
            ))
        {
            h2 id="push-title" class="push-title" { (l.t("Être prévenu sur ce téléphone", "Notifications on this phone")) }
            div class="push-what" data-push-what {
                p { (l.t("Ce téléphone peut vous prévenir, même page fermée ou écran verrouillé\u{a0}:", "This phone can notify you, even with the page closed or the screen locked:")) }
                ul {
                    @if let Some(near) = near_words(l, ahead) {
                        li { (near) }
                    }
                    li { (l.t("quand vous serez le prochain\u{a0};", "when you are next;")) }
                    li { (l.t("quand on vous appellera, avec le guichet où aller.", "when you are called, with the desk to go to.")) }
                }
            }
            button type="button" class="button push-on" data-push-on { (l.t("Me prévenir sur ce téléphone", "Notify me on this phone")) }
            p class="push-status" role="status" aria-live="polite" tabindex="-1" data-push-status {}
            p class="push-how hint" data-push-how hidden {}
            button type="button" class="button button-secondary button-small push-off" data-push-off hidden {
                (l.t("Désactiver les notifications", "Turn notifications off"))
            }
        }
    }
}

/// The first notice, in words: "quand il ne restera que 3 personnes avant vous ;"; none
/// when it is the same as "next" (`ahead` 0).
fn near_words(l: Lang, ahead: u32) -> Option<String> {
    match ahead {
        0 => None,
        1 => Some(
            l.t(
                "quand il ne restera qu'une personne avant vous\u{a0};",
                "when only 1 person is ahead of you;",
            )
            .to_owned(),
        ),
        n => Some(
            l.t(
                "quand il ne restera que {n} personnes avant vous\u{a0};",
                "when only {n} people are ahead of you;",
            )
            .replace("{n}", &n.to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offer_says_when_the_holder_will_be_told_in_french_and_english() {
        let fr = offer(Lang::Fr, 3, "k1").into_string();
        assert!(fr.contains("quand il ne restera que 3 personnes avant vous"));
        assert!(fr.contains("quand vous serez le prochain"));
        assert!(fr.contains("avec le guichet où aller"));
        assert!(fr.contains("Me prévenir sur ce téléphone"));
        assert!(fr.contains(r#"data-key="k1""#));
        assert!(fr.contains(" hidden"));
        let en = offer(Lang::En, 1, "k1").into_string();
        assert!(en.contains("when only 1 person is ahead of you"));
        assert!(en.contains("Notify me on this phone"));
        assert!(en.contains("you will not be notified with the page closed"));
        assert!(en.contains("Keep this page open: it will ring and vibrate"));
    }

    #[test]
    fn with_no_one_ahead_as_the_first_notice_only_next_and_called_are_promised() {
        let fr = offer(Lang::Fr, 0, "k").into_string();
        assert!(!fr.contains("personne avant vous"));
        assert_eq!(fr.matches("<li>").count(), 2);
    }
}
