//! Server-internal identifiers: random version-4 UUIDs from the injected
//! `RandomSource`, never chosen by a client.

/// Declares an id newtype over a random UUID with `generate`, `parse` and `Display`.
macro_rules! random_uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh random id.
            pub fn generate(
                random: &dyn crate::ports::RandomSource,
            ) -> Result<Self, crate::ports::RandomUnavailable> {
                let mut bytes = [0_u8; 16];
                random.fill(&mut bytes)?;
                Ok(Self(uuid::Builder::from_random_bytes(bytes).into_uuid()))
            }

            /// Parses a stored id.
            pub fn parse(text: &str) -> Option<Self> {
                uuid::Uuid::parse_str(text).ok().map(Self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub(crate) use random_uuid_id;
