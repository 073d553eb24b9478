//! Roles and the permissions each grants: the one table every route's rule is checked against.

use serde::{Deserialize, Serialize};

/// What a person or token may do, as a set of [`Permission`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: users, every token, the bootstrap token, the audit log.
    Admin,
    /// Collections, monitors and their notifier settings; runs; their own tokens.
    Editor,
    /// What CI needs: apply definitions (not notifier settings), run, read; own tokens.
    Runner,
    /// Reads definitions and results; own (read-only) tokens.
    Viewer,
    /// An agent in another region: reads definitions and plugin files, sends its region's runs.
    Follower,
}

/// One thing a route may need. Each route needs one (or none, when public).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Collections, monitors, the plugins and their files, the definitions bundle.
    ReadDefinitions,
    /// Runs, monitor status, the notification log, the regions matrix, metrics.
    ReadResults,
    /// Run a collection now.
    Run,
    /// Create, change and delete collections and monitors.
    Apply,
    /// Change a monitor's `notify` entries (where alerts go, with which settings).
    NotifierSettings,
    /// Create tokens with permissions of one's own, list and revoke one's own tokens and
    /// sessions.
    OwnTokens,
    /// One's own account, from a signed-in browser: its second factor.
    OwnAccount,
    /// Users, every token, the bootstrap token.
    ManageAccess,
    /// The audit log.
    ReadAudit,
    /// Send a region's runs to this agent (a follower's token, for its own region only).
    SendRuns,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::ReadDefinitions,
        Permission::ReadResults,
        Permission::Run,
        Permission::Apply,
        Permission::NotifierSettings,
        Permission::OwnTokens,
        Permission::OwnAccount,
        Permission::ManageAccess,
        Permission::ReadAudit,
        Permission::SendRuns,
    ];

    /// The name the API and the docs use (`read_definitions`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadDefinitions => "read_definitions",
            Permission::ReadResults => "read_results",
            Permission::Run => "run",
            Permission::Apply => "apply",
            Permission::NotifierSettings => "notifier_settings",
            Permission::OwnTokens => "own_tokens",
            Permission::OwnAccount => "own_account",
            Permission::ManageAccess => "manage_access",
            Permission::ReadAudit => "read_audit",
            Permission::SendRuns => "send_runs",
        }
    }
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Editor, Role::Runner, Role::Viewer, Role::Follower];

    /// The permissions this role grants.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &Permission::ALL,
            Role::Editor => &[ReadDefinitions, ReadResults, Run, Apply, NotifierSettings, OwnTokens, OwnAccount],
            Role::Runner => &[ReadDefinitions, ReadResults, Run, Apply, OwnTokens, OwnAccount],
            Role::Viewer => &[ReadDefinitions, ReadResults, OwnTokens, OwnAccount],
            Role::Follower => &[ReadDefinitions, SendRuns],
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// Whether this role grants everything `other` does: a token's role must be covered by
    /// its creator's.
    pub fn covers(self, other: Role) -> bool {
        other.permissions().iter().all(|permission| self.allows(*permission))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Runner => "runner",
            Role::Viewer => "viewer",
            Role::Follower => "follower",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_the_docs_say() {
        assert!(Role::ALL.iter().all(|role| Role::Admin.covers(*role)));
        assert!(Role::Editor.covers(Role::Runner) && Role::Runner.covers(Role::Viewer));
        assert!(!Role::Runner.covers(Role::Editor), "a runner cannot change notifier settings");
        assert!(!Role::Editor.covers(Role::Follower), "only an admin makes follower tokens");
        assert!(!Role::Viewer.allows(Permission::Run) && !Role::Follower.allows(Permission::ReadResults));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        for permission in Permission::ALL {
            assert_eq!(serde_json::to_value(permission).unwrap(), permission.as_str());
        }
    }
}
