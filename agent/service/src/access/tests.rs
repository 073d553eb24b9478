//! Accounts, tokens and sessions on a real store in a temporary folder.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::access::accounts::NewToken;

fn access() -> (tempfile::TempDir, Access, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let (token, made) = Token::load(&store, None).unwrap();
    (dir, Access::load(store, token).unwrap(), made.unwrap())
}

fn new_token(name: &str, role: Role, expires_in: Option<Duration>) -> NewToken {
    let region = (role == Role::Follower).then(|| "eu".to_string());
    NewToken { name: name.into(), role, region, expires_in }
}

const GET: http::Method = http::Method::GET;

#[test]
fn the_bootstrap_token_is_the_first_admins_and_tokens_carry_their_role() {
    let (_dir, access, bootstrap) = access();
    let admin = access.bearer(&bootstrap).unwrap();
    assert_eq!((admin.user.as_str(), admin.role, &admin.via), (FIRST_ADMIN, Role::Admin, &Via::Bootstrap));
    let (record, secret) = access.create_token(&admin, new_token("ci", Role::Runner, None)).unwrap();
    assert!(secret.starts_with("skt_") && !record.sha256.contains(&secret));
    let ci = access.authenticate(Some(&format!("Bearer {secret}")), None, &GET, None, None).unwrap();
    assert_eq!((ci.role, ci.user.as_str()), (Role::Runner, FIRST_ADMIN));
    assert_eq!(ci.describe(), "admin (token ci)");
    // A runner token cannot make tokens; nobody makes a token above their role.
    let refused = access.create_token(&ci, new_token("more", Role::Viewer, None)).unwrap_err();
    assert!(matches!(refused, AccessError::Forbidden { .. }), "{refused}");
    assert!(access.authenticate(Some("Bearer nonsense"), None, &GET, None, None).is_err());
    // Revoked: refused at once.
    access.revoke_token(&admin, &record.id).unwrap();
    assert!(access.bearer(&secret).is_none());
}

#[test]
fn tokens_expire_and_followers_are_bound_to_a_region() {
    let (_dir, access, bootstrap) = access();
    let admin = access.bearer(&bootstrap).unwrap();
    let (_, short) =
        access.create_token(&admin, new_token("short", Role::Viewer, Some(Duration::from_millis(300)))).unwrap();
    assert!(access.bearer(&short).is_some());
    std::thread::sleep(Duration::from_millis(400));
    assert!(access.bearer(&short).is_none(), "an expired token is refused");
    let (_, follower) = access.create_token(&admin, new_token("eu", Role::Follower, None)).unwrap();
    assert_eq!(access.bearer(&follower).unwrap().region.as_deref(), Some("eu"));
    let unbound = NewToken { region: None, ..new_token("x", Role::Follower, None) };
    assert!(matches!(access.create_token(&admin, unbound), Err(AccessError::Invalid { field: "region", .. })));
}

#[test]
fn people_set_a_password_once_sign_in_and_stop_at_once_when_disabled() {
    let (_dir, access, bootstrap) = access();
    let admin = access.bearer(&bootstrap).unwrap();
    let (alice, code) = access.add_user("alice", Role::Editor).unwrap();
    assert!(!alice.has_password);
    assert!(access.sign_in_with_password("alice", "", None, None).is_err());
    assert!(matches!(access.accept_invite(&code, "short"), Err(AccessError::Invalid { field: "password", .. })));
    assert_eq!(access.accept_invite(&code, "a long enough secret").unwrap(), "alice");
    assert!(access.accept_invite(&code, "a long enough secret").is_err(), "a code works once");
    // The same refusal for a wrong password and an unknown user.
    let wrong = access.sign_in_with_password("alice", "not the secret at all", None, None).err().unwrap().to_string();
    let unknown =
        access.sign_in_with_password("mallory", "a long enough secret", None, None).err().unwrap().to_string();
    assert_eq!(wrong, unknown);
    let session = access.sign_in_with_password("alice", "a long enough secret", None, None).unwrap();
    let signed_in = access.authenticate(None, Some(&session.cookie), &GET, None, None).unwrap();
    assert_eq!((signed_in.user.as_str(), signed_in.role), ("alice", Role::Editor));
    let as_alice =
        Principal { user: "alice".into(), via: Via::Session, role: Role::Editor, region: None, address: None };
    let (_, token) = access.create_token(&as_alice, new_token("laptop", Role::Runner, None)).unwrap();
    assert!(access.create_token(&as_alice, new_token("boss", Role::Admin, None)).is_err());
    assert_eq!(access.tokens(&as_alice).len(), 1);
    assert_eq!(access.tokens(&admin).len(), 1, "an admin sees every token");
    // Disabled: the session and the token stop at once.
    access.update_user("alice", None, Some(true)).unwrap();
    assert!(access.authenticate(None, Some(&session.cookie), &GET, None, None).is_err());
    assert!(access.bearer(&token).is_none());
    access.update_user("alice", None, Some(false)).unwrap();
    assert!(access.bearer(&token).is_some(), "enabled again, the token works again");
    access.remove_user("alice").unwrap();
    assert!(access.bearer(&token).is_none());
}

#[test]
fn the_last_admin_cannot_be_disabled_demoted_or_removed() {
    let (_dir, access, _) = access();
    assert!(matches!(access.update_user(FIRST_ADMIN, None, Some(true)), Err(AccessError::Conflict(_))));
    assert!(matches!(access.update_user(FIRST_ADMIN, Some(Role::Viewer), None), Err(AccessError::Conflict(_))));
    assert!(matches!(access.remove_user(FIRST_ADMIN), Err(AccessError::Conflict(_))));
    access.add_user("bob", Role::Admin).unwrap();
    access.update_user(FIRST_ADMIN, None, Some(true)).unwrap();
}

/// Opens a data folder just closed in this process: sled's flusher thread lets go of the
/// folder's lock a moment after the last handle is dropped (CI saw `WouldBlock` once).
fn reopen(dir: &std::path::Path) -> Store {
    for _ in 0..50 {
        match Store::open(dir) {
            Err(crate::store::StoreError::Disk(error)) if error.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            opened => return opened.unwrap(),
        }
    }
    panic!("the data folder stayed locked");
}

#[test]
fn accounts_and_tokens_outlive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let secret = {
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let (token, made) = Token::load(&store, None).unwrap();
        let access = Access::load(store, token).unwrap();
        let admin = access.bearer(&made.unwrap()).unwrap();
        access.add_user("carol", Role::Viewer).unwrap();
        access.create_token(&admin, new_token("ci", Role::Runner, None)).unwrap().1
    };
    let store = Arc::new(reopen(dir.path()));
    let (token, made) = Token::load(&store, None).unwrap();
    assert!(made.is_none(), "the bootstrap token is kept");
    let access = Access::load(store, token).unwrap();
    assert_eq!(access.users().iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), [FIRST_ADMIN, "carol"]);
    assert_eq!(access.bearer(&secret).unwrap().role, Role::Runner);
}

/// A data folder from before accounts (a token, definitions and runs, no users): the agent
/// opens it with its token still working, as the first admin's, and nothing else changed.
#[test]
fn a_data_folder_from_before_accounts_keeps_its_token_definitions_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let old_token = {
        let store = Store::open(dir.path()).unwrap();
        let token = Token::reset(&store).unwrap();
        let collection: skopos_core::model::Collection = serde_json::from_value(
            serde_json::json!({"name": "c", "steps": [{"request": {"url": "http://127.0.0.1:9/"}}]}),
        )
        .unwrap();
        let stored = store.collections.put(None, collection).unwrap();
        let run = crate::store::RunRecord::new((&stored.id, "c"), Utc::now(), None, None);
        store.insert_run(run).unwrap();
        store.flush().unwrap();
        token
    };
    let store = Arc::new(reopen(dir.path()));
    let (token, made) = Token::load(&store, None).unwrap();
    assert!(made.is_none());
    let access = Access::load(store.clone(), token).unwrap();
    let admin = access.bearer(&old_token).expect("the old token works");
    assert_eq!((admin.user.as_str(), admin.role), (FIRST_ADMIN, Role::Admin));
    assert_eq!(store.collections.list().unwrap().len(), 1);
    let runs = store.runs(&crate::store::RunQuery::default()).unwrap();
    assert_eq!(runs.runs.len(), 1);
}

#[test]
fn guessing_passwords_or_tokens_is_limited_per_account_and_address() {
    let (_dir, access, bootstrap) = access();
    let (_, code) = access.add_user("alice", Role::Viewer).unwrap();
    access.accept_invite(&code, "a long enough secret").unwrap();
    for _ in 0..10 {
        let wrong = access.sign_in_with_password("alice", "a wrong guess!!", None, Some("10.0.0.1")).err().unwrap();
        assert!(matches!(wrong, AccessError::SignIn), "{wrong}");
    }
    // Alice's account is locked for a while, even from elsewhere and with the right password.
    let locked = access.sign_in_with_password("alice", "a long enough secret", None, Some("10.0.0.2")).err().unwrap();
    assert!(matches!(locked, AccessError::TooMany(_)), "{locked}");
    // Wrong tokens from one address: refused before any is checked, others unaffected.
    for _ in 0..60 {
        assert_eq!(
            access.authenticate(Some("Bearer guess"), None, &GET, None, Some("10.0.0.3")),
            Err(Refusal::Unauthorized)
        );
    }
    let refused = access.authenticate(Some(&format!("Bearer {bootstrap}")), None, &GET, None, Some("10.0.0.3"));
    assert!(matches!(refused, Err(Refusal::TooMany(_))), "{refused:?}");
    assert!(access.authenticate(Some(&format!("Bearer {bootstrap}")), None, &GET, None, Some("10.0.0.4")).is_ok());
}

#[test]
fn a_second_factor_is_set_up_with_a_code_and_then_needed_at_every_sign_in() {
    let (_dir, access, _) = access();
    let (_, invite) = access.add_user("tess", Role::Editor).unwrap();
    access.accept_invite(&invite, "a long enough secret").unwrap();
    let enrollment = access.start_totp("tess").unwrap();
    assert!(enrollment.link.contains(&enrollment.secret));
    assert!(matches!(access.confirm_totp("tess", "000000"), Err(AccessError::Invalid { field: "code", .. })));
    let now = super::totp::now();
    let code = totp_code_at(&enrollment.secret, now).unwrap();
    let recovery = access.confirm_totp("tess", &code).unwrap();
    assert_eq!(recovery.len(), 10);
    assert!(access.user_view("tess").unwrap().totp);
    // The password alone is not enough; the code just used for the setup is not taken again.
    let needed = access.sign_in_with_password("tess", "a long enough secret", None, None).err().unwrap();
    assert!(matches!(needed, AccessError::SecondFactorNeeded), "{needed}");
    let replay = access.sign_in_with_password("tess", "a long enough secret", Some(&code), None).err().unwrap();
    assert!(matches!(replay, AccessError::SignIn), "{replay}");
    let next = totp_code_at(&enrollment.secret, now + 30).unwrap();
    assert!(access.sign_in_with_password("tess", "a long enough secret", Some(&next), None).is_ok());
    assert!(access.sign_in_with_password("tess", "a long enough secret", Some(&recovery[0]), None).is_ok());
    assert!(access.sign_in_with_password("tess", "a long enough secret", Some(&recovery[0]), None).is_err());
    access.disable_totp("tess", &recovery[1]).unwrap();
    assert!(access.sign_in_with_password("tess", "a long enough secret", None, None).is_ok());
    access.start_totp("tess").unwrap();
    access.reset_totp("tess").unwrap();
    assert!(!access.user_view("tess").unwrap().totp);
}
