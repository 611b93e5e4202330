//! The embedding example runs in the suite, so the services' public surface
//! cannot drift away from what docs/EMBEDDING.md shows.

#[path = "../../crates/oauth-core/examples/embedded_code_flow.rs"]
mod example;

#[tokio::test]
async fn the_embedding_example_runs_a_whole_code_flow() {
    let sub = example::run().await.expect("the flow completes");
    assert!(!sub.is_empty(), "userinfo names the signed-in user");
}
