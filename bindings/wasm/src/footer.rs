//! The footer (SPEC.md §11): the planner before sending, the classification after opening,
//! each decision as its stable code and the library's sentence.

use mailseal::mail::footer::{self as lib, Classification, MailContext};
use mailseal_bindings_shared::SingleThread;
use mailseal_bindings_shared::footer as shared;
use wasm_bindgen::prelude::*;

use crate::chain::{Chain, Directory, escrow_object};
use crate::convert::{self, Obj, addressed_kind, array, opt};
use crate::error::{JsResult, OrThrow, invalid};

/// What the directory says of one planned recipient.
type Entry = shared::Entry<SingleThread>;

/// `{code, text}`.
fn worded(code: &str, text: String) -> JsValue {
    Obj::new().set("code", code).set("text", text).done()
}

/// `{footer, code, sender, reasons, cautions, escrow, senderEscrow}` of a classification.
pub(crate) fn classification_object(c: &Classification) -> JsValue {
    Obj::new()
        .set("footer", c.footer.to_string())
        .set("code", c.footer.code())
        .set("sender", c.sender.code())
        .set(
            "reasons",
            array(c.reasons.iter().map(|r| worded(r.code(), r.to_string()))),
        )
        .set(
            "cautions",
            array(c.cautions.iter().map(|r| worded(r.code(), r.to_string()))),
        )
        .set("escrow", opt(c.escrow.as_ref().map(escrow_object)))
        .set(
            "senderEscrow",
            opt(c.sender_escrow.as_ref().map(escrow_object)),
        )
        .done()
}

/// Plans a mail before it is sealed (SPEC.md §11.1): add every recipient as the directory
/// knows them, then `plan()`.
#[wasm_bindgen]
pub struct Planner {
    inner: shared::Planner<SingleThread>,
}

#[wasm_bindgen]
impl Planner {
    /// The sender's state: its own verified chain and the sending device's id.
    #[wasm_bindgen(constructor)]
    pub fn new(chain: &Chain, device: &str) -> JsResult<Planner> {
        Ok(Planner {
            inner: shared::Planner::new(Some(chain.inner.clone()), device).or_throw()?,
        })
    }

    /// A sender whose user has no chain (no key) yet: every plan is refused.
    #[wasm_bindgen(js_name = withoutKey)]
    pub fn without_key(device: &str) -> JsResult<Planner> {
        Ok(Planner {
            inner: shared::Planner::new(None, device).or_throw()?,
        })
    }

    /// The server's key (a PUK record), for mail that cannot be E2E.
    #[wasm_bindgen(js_name = serverKey)]
    pub fn server_key(&mut self, address: String, record: &[u8]) -> JsResult<()> {
        self.inner.server_key(address, record).or_throw()
    }

    /// A recipient who is a user with a verified chain, with no proof that it is published:
    /// the plan notes `recipient_not_published`. `kind`: `to`, `cc` or `bcc`.
    pub fn user(&mut self, address: String, kind: &str, chain: &Chain) -> JsResult<()> {
        self.add(address, kind, Entry::User(chain.inner.clone()))
    }

    /// A recipient who is a user as `directory` holds them (`user`: their id): their verified
    /// chain, and the proof that its tail is in the key-transparency log when the directory
    /// has one (`addPublished`). Without the proof the plan notes `recipient_not_published`.
    #[wasm_bindgen(js_name = fromDirectory)]
    pub fn from_directory(
        &mut self,
        address: String,
        kind: &str,
        directory: &Directory,
        user: &str,
    ) -> JsResult<()> {
        let entry = Entry::in_directory(directory, user).or_throw()?;
        self.add(address, kind, entry)
    }

    /// A user account with no device yet.
    #[wasm_bindgen(js_name = preProvisioned)]
    pub fn pre_provisioned(&mut self, address: String, kind: &str, user: &str) -> JsResult<()> {
        let user = convert::user_id(user)?;
        self.add(address, kind, Entry::PreProvisioned(user))
    }

    /// An address on another mail service.
    pub fn external(&mut self, address: String, kind: &str) -> JsResult<()> {
        self.add(address, kind, Entry::External)
    }

    /// A mailing list (the server fans it out).
    #[wasm_bindgen(js_name = mailingList)]
    pub fn mailing_list(&mut self, address: String, kind: &str) -> JsResult<()> {
        self.add(address, kind, Entry::MailingList)
    }

    /// An address served through a third-party integration.
    pub fn integration(&mut self, address: String, kind: &str) -> JsResult<()> {
        self.add(address, kind, Entry::Integration)
    }

    /// The plan, for `context` `personal` (the default), `system` or `calendar`.
    pub fn plan(&self, context: Option<String>) -> JsResult<Plan> {
        let context = match context.as_deref() {
            None | Some("personal") => MailContext::Personal,
            Some("system") => MailContext::System,
            Some("calendar") => MailContext::Calendar,
            Some(_) => return Err(invalid("a context is personal, system or calendar")),
        };
        Ok(Plan {
            inner: self.inner.plan(context),
        })
    }
}

impl Planner {
    fn add(&mut self, address: String, kind: &str, entry: Entry) -> JsResult<()> {
        self.inner.add(address, addressed_kind(kind)?, entry);
        Ok(())
    }
}

/// The planner's answer: E2E, not E2E (and why), or refused (and why). Apply it to a
/// `MailSealer` with `applyPlan`.
#[wasm_bindgen]
pub struct Plan {
    pub(crate) inner: lib::Plan,
}

#[wasm_bindgen]
impl Plan {
    /// `e2e`, `not_e2e` or `refuse` (SPEC.md §11.3).
    #[wasm_bindgen(getter)]
    pub fn decision(&self) -> String {
        shared::decision_code(&self.inner).into()
    }

    /// Why the mail will not be E2E, or why it cannot be sent: `[{code, address, text}]`.
    #[wasm_bindgen(getter, unchecked_return_type = "PlanReason[]")]
    pub fn reasons(&self) -> JsValue {
        array(shared::reasons(&self.inner, |r| {
            Obj::new()
                .set("code", r.code)
                .set("address", opt(r.address))
                .set("text", r.text)
                .done()
        }))
    }

    /// What the sender should see beside the plan: `[{code, address, eaGroup, text}]`.
    #[wasm_bindgen(getter, unchecked_return_type = "PlanNote[]")]
    pub fn notes(&self) -> JsValue {
        array(shared::notes(&self.inner).iter().map(|n| {
            Obj::new()
                .set("code", n.code())
                .set("address", n.address())
                .set(
                    "eaGroup",
                    opt(shared::note_ea_group(n).map(|g| g.to_string())),
                )
                .set("text", n.to_string())
                .done()
        }))
    }

    /// The recipients it seals to: `[{kind, address, user}]`.
    #[wasm_bindgen(getter, unchecked_return_type = "PlannedKey[]")]
    pub fn recipients(&self) -> JsValue {
        array(shared::keys(&self.inner).iter().map(|(kind, r)| {
            Obj::new()
                .set("kind", convert::kind_name(*kind))
                .set("address", r.address.as_str())
                .set("user", r.puk.user.to_string())
                .done()
        }))
    }
}
