//! Table definitions, written to match `migrations/` (both backends share them).

diesel::table! {
    client_registrations (client_id) {
        client_id -> Text,
        access_token -> Text,
        application_type -> Text,
        registered_from -> Text,
        initial_token_id -> Nullable<Text>,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    app_revocations (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        revoked_at -> BigInt,
    }
}

diesel::table! {
    one_time_ids (digest) {
        digest -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    device_authorizations (device_code) {
        device_code -> Text,
        user_code -> Text,
        client_id -> Text,
        scopes -> Text,
        resources -> Text,
        decision -> Text,
        entered_by -> Nullable<Text>,
        user_id -> Nullable<Text>,
        auth_time -> Nullable<BigInt>,
        interval_secs -> BigInt,
        last_polled_at -> Nullable<BigInt>,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    security_events (id) {
        id -> BigInt,
        occurred_at -> BigInt,
        kind -> Text,
        user_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        address -> Nullable<Text>,
        details -> Text,
    }
}

diesel::table! {
    pushed_requests (digest) {
        digest -> Text,
        client_id -> Text,
        params -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    registration_tokens (id) {
        id -> Text,
        digest -> Text,
        max_uses -> Integer,
        uses_left -> Integer,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_key -> Text,
        email_verified -> Bool,
        display_name -> Text,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        signed_out_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        client_type -> Text,
        auth_method -> Text,
        redirect_uris -> Text,
        allowed_origins -> Text,
        scopes -> Text,
        grant_types -> Text,
        id_token_alg -> Text,
        skip_consent -> Bool,
        disabled -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        post_logout_redirect_uris -> Text,
        may_introspect_any -> Bool,
        resources -> Text,
        origin -> Text,
        require_pushed_requests -> Bool,
        dpop_bound -> Bool,
        jwks -> Nullable<Text>,
        jwks_uri -> Nullable<Text>,
    }
}

diesel::table! {
    client_secrets (client_id, digest) {
        client_id -> Text,
        digest -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    authorization_codes (digest) {
        digest -> Text,
        client_id -> Text,
        user_id -> Text,
        redirect_uri -> Text,
        redirect_uri_sent -> Bool,
        scopes -> Text,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        auth_time -> BigInt,
        issued_at -> BigInt,
        expires_at -> BigInt,
        consumed_at -> Nullable<BigInt>,
        replayed_at -> Nullable<BigInt>,
        access_jti -> Nullable<Text>,
        resources -> Text,
        dpop_jkt -> Nullable<Text>,
    }
}

diesel::table! {
    consents (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scopes -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        digest -> Text,
        user_id -> Nullable<Text>,
        auth_time -> Nullable<BigInt>,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    pending_authorizations (digest) {
        digest -> Text,
        session_id -> Text,
        client_id -> Text,
        params -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    login_attempts (key) {
        key -> Text,
        failures -> Integer,
        last_failure_at -> BigInt,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    refresh_families (id) {
        id -> Text,
        client_id -> Text,
        user_id -> Text,
        scopes -> Text,
        auth_time -> BigInt,
        code_digest -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        resources -> Text,
        dpop_jkt -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (digest) {
        digest -> Text,
        family_id -> Text,
        scopes -> Text,
        issued_at -> BigInt,
        expires_at -> BigInt,
        rotated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        alg -> Text,
        state -> Text,
        public_jwk -> Text,
        sealed_private_jwk -> Text,
        created_at -> BigInt,
        activated_at -> Nullable<BigInt>,
        retired_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    resource_consents (user_id, client_id, resource_uri) {
        user_id -> Text,
        client_id -> Text,
        resource_uri -> Text,
        granted_at -> BigInt,
    }
}

diesel::table! {
    resources (uri) {
        uri -> Text,
        name -> Text,
        scopes -> Text,
        allow_dynamic_clients -> Bool,
        access_token_ttl_seconds -> Nullable<BigInt>,
        access_token_alg -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::joinable!(client_secrets -> clients (client_id));
diesel::joinable!(refresh_tokens -> refresh_families (family_id));
diesel::allow_tables_to_appear_in_same_query!(clients, client_secrets);
diesel::allow_tables_to_appear_in_same_query!(clients, client_registrations);
diesel::allow_tables_to_appear_in_same_query!(refresh_tokens, refresh_families);
