//! The account and its calendars.

use super::support::env;

#[tokio::test]
async fn the_account_is_named_by_mail_or_principal_name() {
    let e = env().await;
    e.ms.set_account("pat@fabrikam.test");
    let tokens = e.connect().await;
    let me = e.client.me(&tokens.access_token).await.unwrap();
    assert_eq!(me.email, "pat@fabrikam.test");
    assert_eq!(me.id.len(), 36, "a GUID");
    e.ms.clear_mail("pat@fabrikam.test");
    assert_eq!(e.client.me(&tokens.access_token).await.unwrap().email, "pat@fabrikam.test");
    let asked: Vec<String> =
        e.ms.requests().into_iter().map(|(_, p)| p).filter(|p| p.starts_with("/v1.0/me?")).collect();
    assert!(asked[0].contains("%24select=") || asked[0].contains("$select="), "{asked:?}");
}

#[tokio::test]
async fn every_calendar_is_listed_across_pages() {
    let e = env().await;
    let tokens = e.connect().await;
    let default = e.ms.default_calendar();
    let mut added = Vec::new();
    for i in 0..6 {
        added.push(e.ms.add_calendar(&format!("Team {i}")));
    }
    e.ms.set_read_only(&added[2], true);
    e.ms.set_page_size(3);
    let cals = e.client.calendars(&tokens.access_token).await.unwrap();
    assert_eq!(cals.len(), 7);
    let first = &cals[0];
    assert_eq!(first.id, default);
    assert!(first.is_default && first.can_edit);
    assert_eq!(first.name, "Calendar");
    assert_eq!(first.owner_email.as_deref(), Some("host@contoso.test"));
    let ro = cals.iter().find(|c| c.id == added[2]).unwrap();
    assert!(!ro.can_edit && !ro.is_default);
    let pages = e.ms.requests().iter().filter(|(_, p)| p.starts_with("/v1.0/me/calendars")).count();
    assert_eq!(pages, 3);
}
