//! Table definitions, written to match `migrations/` (both backends share them).

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
    }
}
